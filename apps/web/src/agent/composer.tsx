// Where the user writes: Enter sends, Shift+Enter starts a new line; while the agent works the
// send button becomes a stop button.
import { type FormEvent, type KeyboardEvent, useState } from "react";
import { focusRing } from "../components/ui.tsx";

interface ComposerProps {
  onSend: (text: string) => void;
  onStop: () => void;
  executing: boolean;
  disabled?: boolean;
  placeholder?: string;
}

export function Composer({
  onSend,
  onStop,
  executing,
  disabled = false,
  placeholder,
}: ComposerProps) {
  const [text, setText] = useState("");

  function send(event?: FormEvent) {
    event?.preventDefault();
    const trimmed = text.trim();
    if (!trimmed || executing || disabled) return;
    onSend(trimmed);
    setText("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) send(event);
  }

  return (
    <form
      onSubmit={send}
      className="border-t border-neutral-200 bg-white p-3 dark:border-neutral-800 dark:bg-neutral-950"
    >
      <div className="mx-auto flex max-w-3xl items-end gap-2">
        <label htmlFor="composer" className="sr-only">
          Message
        </label>
        <textarea
          id="composer"
          rows={1}
          value={text}
          disabled={disabled}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder={placeholder ?? "Ask the agent…"}
          className={`max-h-40 min-h-[2.75rem] flex-1 resize-none rounded-xl border border-neutral-300 bg-white px-3 py-2.5 dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
        />
        {executing ? (
          <button
            type="button"
            onClick={onStop}
            className={`h-11 rounded-xl border border-neutral-300 px-4 font-medium hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800 ${focusRing}`}
          >
            Stop
          </button>
        ) : (
          <button
            type="submit"
            disabled={disabled || !text.trim()}
            className={`h-11 rounded-xl bg-blue-700 px-4 font-medium text-white disabled:cursor-not-allowed disabled:bg-blue-400 dark:bg-blue-500 dark:text-neutral-950 ${focusRing}`}
          >
            Send
          </button>
        )}
      </div>
    </form>
  );
}
