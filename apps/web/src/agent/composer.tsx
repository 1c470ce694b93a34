// Where the user writes: Enter sends, Shift+Enter starts a new line; while the agent works the
// send button becomes a stop button. Files join the message through the attach button, by
// dropping them on the composer or by pasting an image; they show as previews until sent.
import type { FileUpload } from "@agent-access/react";
import {
  type ClipboardEvent,
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
  Suspense,
  useState,
} from "react";
import { focusRing } from "../components/ui.tsx";
import { AttachButton, MAX_FILES } from "./attach-button.tsx";
import { useStrings } from "./i18n/use-strings.ts";
import { AttachmentPreviews } from "./lazy-attachments.ts";

interface ComposerProps {
  /** Resolves whether the message was sent; if not, the text and files stay for another try. */
  onSend: (text: string, files: File[]) => Promise<boolean>;
  onStop: () => void;
  executing: boolean;
  disabled?: boolean;
  placeholder?: string;
  /** The uploads of the message being sent (useAgentContext's `uploads`). */
  uploads?: readonly FileUpload[];
}

export function Composer({
  onSend,
  onStop,
  executing,
  disabled = false,
  placeholder,
  uploads = [],
}: ComposerProps) {
  const { t } = useStrings();
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [sending, setSending] = useState(false);
  const [dragging, setDragging] = useState(false);
  /** Files beyond MAX_FILES left out of the last addition. */
  const [dropped, setDropped] = useState(0);
  const blocked = executing || disabled || sending;

  function addFiles(added: readonly File[]) {
    if (added.length === 0 || blocked) return;
    // An updater: a drop and a paste in one tick both count.
    setFiles((current) => [...current, ...added].slice(0, MAX_FILES));
    setDropped(Math.max(0, files.length + added.length - MAX_FILES));
  }

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const trimmed = text.trim();
    if ((!trimmed && files.length === 0) || blocked) return;
    if (files.length === 0) {
      // Text alone shows at once as the pending message: clear for the next one.
      setText("");
      void onSend(trimmed, []);
      return;
    }
    setSending(true);
    try {
      const sent = await onSend(trimmed, files);
      if (sent !== false) {
        setText("");
        setFiles([]);
        setDropped(0);
      }
    } finally {
      setSending(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing)
      void send(event);
  }

  function onPaste(event: ClipboardEvent<HTMLTextAreaElement>) {
    const pasted = Array.from(event.clipboardData.files).filter((file) =>
      file.type.startsWith("image/"),
    );
    if (pasted.length === 0) return;
    event.preventDefault();
    addFiles(pasted);
  }

  function hasFiles(event: DragEvent) {
    return Array.from(event.dataTransfer.types).includes("Files");
  }

  return (
    <form
      onSubmit={(event) => void send(event)}
      onDragOver={(event) => {
        if (!hasFiles(event) || blocked) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setDragging(false);
        addFiles(Array.from(event.dataTransfer.files));
      }}
      className={`border-t border-neutral-200 bg-white p-3 dark:border-neutral-800 dark:bg-neutral-950 ${
        dragging ? "outline-dashed outline-2 -outline-offset-4 outline-blue-600" : ""
      }`}
    >
      <div className="mx-auto flex max-w-3xl flex-col gap-2">
        {files.length > 0 && (
          <Suspense fallback={null}>
            <AttachmentPreviews
              files={files}
              uploads={uploads}
              busy={sending}
              dropped={dropped}
              onRemove={(file) => {
                setFiles((current) => current.filter((kept) => kept !== file));
                setDropped(0);
              }}
            />
          </Suspense>
        )}
        <div className="flex items-end gap-2">
          <AttachButton onFiles={addFiles} disabled={blocked} />
          <label htmlFor="composer" className="sr-only">
            {t("composer.message")}
          </label>
          <textarea
            id="composer"
            rows={1}
            value={text}
            disabled={disabled}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            placeholder={placeholder ?? t("composer.placeholder")}
            className={`max-h-40 min-h-[2.75rem] min-w-0 flex-1 resize-none rounded-xl border border-neutral-300 bg-white px-3 py-2.5 dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
          />
          {executing ? (
            <button
              type="button"
              onClick={onStop}
              className={`h-11 rounded-xl border border-neutral-300 px-4 font-medium hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800 ${focusRing}`}
            >
              {t("composer.stop")}
            </button>
          ) : (
            <button
              type="submit"
              disabled={disabled || sending || (!text.trim() && files.length === 0)}
              className={`h-11 rounded-xl bg-blue-700 px-4 font-medium text-white disabled:cursor-not-allowed disabled:bg-blue-400 dark:bg-blue-500 dark:text-neutral-950 ${focusRing}`}
            >
              {sending ? t("composer.sending") : t("composer.send")}
            </button>
          )}
        </div>
      </div>
    </form>
  );
}
