// Where the user writes: Enter sends, Shift+Enter starts a new line, and the box grows with the
// text up to a limit. The text is kept as a draft per conversation (useComposer), and a line
// under it says why sending is not possible when it is not. While the agent works the send
// button becomes a stop button. Files join the message through the attach button, by dropping
// them on the composer or by pasting an image; they show as previews until sent.
import {
  type AgentContextState,
  type SendBlockedReason,
  type SentMessage,
  useAgentUi,
  useComposer,
} from "@agent-access/react";
import {
  type ClipboardEvent,
  type DragEvent,
  type FormEvent,
  type KeyboardEvent,
  Suspense,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { focusRing } from "../components/ui.tsx";
import { AttachButton, MAX_FILES } from "./attach-button.tsx";
import type { MessageKey } from "./i18n/index.ts";
import { useStrings } from "./i18n/use-strings.ts";
import { AttachmentPreviews } from "./lazy-attachments.ts";

/** The tallest the message box grows, in pixels (about ten lines); then it scrolls. */
const MAX_COMPOSER_HEIGHT = 240;

interface ComposerProps {
  /** The conversation written to ("" for a new one): whose draft is shown. */
  contextId: string;
  /** The conversation, from useAgentContext. */
  chat: AgentContextState;
  /** Called with what sendMessage resolved to, once sent. */
  onSent?: (sent: SentMessage) => void;
  placeholder?: string;
}

/** The catalog's words for why Send does nothing now; none for the reason that needs none (empty). */
const REASON_TEXT: Partial<Record<SendBlockedReason, MessageKey>> = {
  uploading: "composer.blocked.uploading",
  waiting_for_approval: "composer.blocked.waitingForApproval",
  waiting_for_input: "composer.blocked.waitingForInput",
  running: "composer.blocked.running",
  too_long: "composer.blocked.tooLong",
};

export function Composer({ contextId, chat, onSent, placeholder }: ComposerProps) {
  const [files, setFiles] = useState<File[]>([]);
  const { t } = useStrings();
  const { formatNumber } = useAgentUi();
  const composer = useComposer({ contextId, chat, files });
  const [dragging, setDragging] = useState(false);
  /** Files beyond MAX_FILES left out of the last addition. */
  const [dropped, setDropped] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const reasonId = useId();
  const hintId = useId();
  const reasonKey = composer.blockedReason ? REASON_TEXT[composer.blockedReason] : undefined;
  const reason = reasonKey
    ? t(reasonKey, {
        length: formatNumber(composer.length),
        max: formatNumber(composer.maxLength),
      })
    : null;
  const canAttach = !composer.sending && !chat.isExecuting;

  // Grows with the text: measured at its natural height, then held up to the limit.
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight + 2, MAX_COMPOSER_HEIGHT)}px`;
  }, [composer.text]);

  function addFiles(added: readonly File[]) {
    if (added.length === 0 || !canAttach) return;
    // An updater: a drop and a paste in one tick both count.
    setFiles((current) => [...current, ...added].slice(0, MAX_FILES));
    setDropped(Math.max(0, files.length + added.length - MAX_FILES));
  }

  async function send(event?: FormEvent) {
    event?.preventDefault();
    if (composer.blockedReason) return;
    const sent = await composer.send();
    if (sent) {
      setFiles([]);
      setDropped(0);
      onSent?.(sent);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Shift+Enter keeps the browser's own new line; so does Enter while an IME composes.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      void send(event);
    }
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
        if (!hasFiles(event) || !canAttach) return;
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
              uploads={chat.uploads}
              busy={composer.sending}
              dropped={dropped}
              onRemove={(file) => {
                setFiles((current) => current.filter((kept) => kept !== file));
                setDropped(0);
              }}
            />
          </Suspense>
        )}
        <div className="flex items-end gap-2">
          <AttachButton onFiles={addFiles} disabled={!canAttach} />
          <label htmlFor="composer" className="sr-only">
            {t("composer.message")}
          </label>
          <textarea
            id="composer"
            ref={box}
            rows={1}
            value={composer.text}
            onChange={(event) => composer.setText(event.target.value)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            placeholder={placeholder ?? t("composer.placeholder")}
            aria-describedby={`${reason ? reasonId : hintId}`}
            aria-invalid={composer.blockedReason === "too_long" || undefined}
            data-testid="composer"
            style={{ maxHeight: MAX_COMPOSER_HEIGHT }}
            className={`min-h-[2.75rem] min-w-0 flex-1 resize-none overflow-y-auto rounded-xl border border-neutral-300 bg-white px-3 py-2.5 dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
          />
          {chat.isExecuting ? (
            <button
              type="button"
              onClick={() => void chat.stop()}
              className={`h-11 rounded-xl border border-neutral-300 px-4 font-medium hover:bg-neutral-100 dark:border-neutral-700 dark:hover:bg-neutral-800 ${focusRing}`}
            >
              {t("composer.stop")}
            </button>
          ) : (
            // aria-disabled, not disabled: the button stays reachable, and reads out why not.
            <button
              type="submit"
              aria-disabled={composer.blockedReason !== null}
              aria-describedby={reason ? reasonId : undefined}
              className={`h-11 rounded-xl bg-blue-700 px-4 font-medium text-white aria-disabled:cursor-not-allowed aria-disabled:bg-blue-400 dark:bg-blue-500 dark:text-neutral-950 dark:aria-disabled:bg-blue-900 dark:aria-disabled:text-neutral-300 ${focusRing}`}
            >
              {composer.sending ? t("composer.sending") : t("composer.send")}
            </button>
          )}
        </div>
        {reason ? (
          <p
            id={reasonId}
            role="status"
            data-testid="send-blocked"
            data-reason={composer.blockedReason}
            className={`text-xs ${
              composer.blockedReason === "too_long"
                ? "text-red-700 dark:text-red-400"
                : "text-neutral-600 dark:text-neutral-400"
            }`}
          >
            {reason}
          </p>
        ) : (
          <p id={hintId} className="hidden text-xs text-neutral-600 sm:block dark:text-neutral-400">
            {t("composer.hint")}
          </p>
        )}
      </div>
    </form>
  );
}
