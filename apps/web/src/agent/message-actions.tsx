// What a user can do with a reply and with their own last message: copy the reply as
// Markdown, answer again, rate it (with an optional comment), retry one that failed or was
// stopped, and edit the last message to send it again. Every control has an accessible name and
// works from the keyboard.
import type { FeedbackRating, RunOutcome } from "@agent-access/react";
import { type FormEvent, useEffect, useId, useState } from "react";
import {
  CheckIcon,
  CopyIcon,
  PencilIcon,
  RetryIcon,
  ThumbDownIcon,
  ThumbUpIcon,
} from "../components/icons.tsx";
import { Button, focusRing } from "../components/ui.tsx";
import type { MessageKey } from "./i18n/index.ts";
import { useStrings } from "./i18n/use-strings.ts";
import type { ContextMessage } from "./types.ts";

/** The text of a message's text parts: a reply's Markdown as the model wrote it. */
export function markdownOf(message: ContextMessage): string {
  return message.parts
    .map((part) => (part.type === "text" ? part.text : ""))
    .join("\n\n")
    .trim();
}

const iconButton = `inline-flex items-center gap-1 rounded px-1.5 py-1 text-xs text-neutral-600 hover:bg-neutral-200 hover:text-neutral-900 dark:text-neutral-400 dark:hover:bg-neutral-800 dark:hover:text-neutral-100 ${focusRing}`;

function CopyButton({ text }: { text: string }) {
  const { t } = useStrings();
  const [copied, setCopied] = useState<"copied" | "failed" | null>(null);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(null), 2_000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      className={iconButton}
      aria-label={t("actions.copy")}
      title={t("actions.copyTitle")}
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setCopied("copied"),
          () => setCopied("failed"),
        )
      }
    >
      {copied === "copied" ? <CheckIcon /> : <CopyIcon />}
      <span role="status" className={copied ? "" : "sr-only"}>
        {copied === "copied"
          ? t("actions.copied")
          : copied === "failed"
            ? t("actions.copyFailed")
            : ""}
      </span>
    </button>
  );
}

const MAX_COMMENT = 2_000;

/** Good or bad response, then (for either) an optional comment. */
function FeedbackButtons({
  feedback,
  onFeedback,
}: {
  feedback: ContextMessage["feedback"];
  onFeedback: (rating: FeedbackRating | null, comment?: string) => Promise<boolean>;
}) {
  const { t } = useStrings();
  const [asking, setAsking] = useState<FeedbackRating | null>(null);
  const [comment, setComment] = useState("");
  const commentId = useId();

  async function rate(rating: FeedbackRating) {
    if (feedback?.rating === rating) {
      setAsking(null);
      await onFeedback(null);
      return;
    }
    if (await onFeedback(rating)) {
      setComment("");
      setAsking(rating);
    }
  }

  async function sendComment(event: FormEvent) {
    event.preventDefault();
    if (!asking) return;
    if (await onFeedback(asking, comment.trim() || undefined)) setAsking(null);
  }

  return (
    <>
      <button
        type="button"
        className={iconButton}
        aria-label={t("actions.good")}
        aria-pressed={feedback?.rating === "good"}
        onClick={() => void rate("good")}
      >
        <ThumbUpIcon />
      </button>
      <button
        type="button"
        className={iconButton}
        aria-label={t("actions.bad")}
        aria-pressed={feedback?.rating === "bad"}
        onClick={() => void rate("bad")}
      >
        <ThumbDownIcon />
      </button>
      {asking && (
        <form
          onSubmit={sendComment}
          className="mt-2 flex w-full flex-col gap-2"
          data-testid="feedback-form"
        >
          <label htmlFor={commentId} className="text-xs text-neutral-600 dark:text-neutral-400">
            {asking === "bad" ? t("actions.whyBad") : t("actions.whyGood")}
          </label>
          <textarea
            id={commentId}
            value={comment}
            maxLength={MAX_COMMENT}
            rows={2}
            onChange={(event) => setComment(event.target.value)}
            className={`rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
          />
          <div className="flex gap-2">
            <Button type="submit" className="!px-3 !py-1 text-xs">
              {t("actions.sendFeedback")}
            </Button>
            <Button
              type="button"
              variant="secondary"
              className="!px-3 !py-1 text-xs"
              onClick={() => setAsking(null)}
            >
              {t("actions.skip")}
            </Button>
          </div>
        </form>
      )}
      {feedback?.comment && !asking && (
        <p className="w-full text-xs text-neutral-500" data-testid="feedback-comment">
          {t("actions.yourFeedback", { comment: feedback.comment })}
        </p>
      )}
    </>
  );
}

export interface ReplyActionsProps {
  message: ContextMessage;
  /** The newest reply, with no run unfinished: it can be answered again. */
  canRegenerate: boolean;
  onRegenerate: () => void;
  onFeedback: (rating: FeedbackRating | null, comment?: string) => Promise<boolean>;
}

/** Copy, Regenerate (on the newest reply), Good response and Bad response. */
export function ReplyActions({
  message,
  canRegenerate,
  onRegenerate,
  onFeedback,
}: ReplyActionsProps) {
  const { t } = useStrings();
  const text = markdownOf(message);
  return (
    <div className="mt-1 flex flex-wrap items-center gap-1" data-testid="reply-actions">
      {text && <CopyButton text={text} />}
      {canRegenerate && (
        <button
          type="button"
          className={iconButton}
          aria-label={t("actions.regenerate")}
          title={t("actions.regenerateTitle")}
          onClick={onRegenerate}
        >
          <RetryIcon />
        </button>
      )}
      <FeedbackButtons feedback={message.feedback} onFeedback={onFeedback} />
    </div>
  );
}

const OUTCOME_TEXT = {
  failed: "outcome.failed",
  cancelled: "outcome.cancelled",
  interrupted: "outcome.interrupted",
} as const satisfies Record<Exclude<RunOutcome["status"], "completed">, MessageKey>;

/** A reply that failed, was stopped or interrupted: why, and a way to try again. */
export function ReplyOutcome({
  outcome,
  onRetry,
}: {
  outcome: RunOutcome;
  /** Given when the reply can be retried (the newest, with no run unfinished). */
  onRetry?: () => void;
}) {
  const { t } = useStrings();
  if (outcome.status === "completed") return null;
  const failed = outcome.status !== "cancelled";
  return (
    <div
      role={failed ? "alert" : "status"}
      data-testid="reply-outcome"
      data-status={outcome.status}
      className={`mt-2 flex flex-wrap items-center gap-3 rounded-md border px-3 py-2 text-sm ${
        failed
          ? "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950/40 dark:text-red-200"
          : "border-neutral-300 bg-neutral-100 text-neutral-700 dark:border-neutral-700 dark:bg-neutral-900 dark:text-neutral-300"
      }`}
    >
      <p className="min-w-0 flex-1 break-words">
        {outcome.error ?? t(OUTCOME_TEXT[outcome.status])}
      </p>
      {onRetry && (
        <Button variant="secondary" className="!px-3 !py-1 text-xs" onClick={onRetry}>
          {t("outcome.retry")}
        </Button>
      )}
    </div>
  );
}

/** Edit on the last message the user sent: the text in a box, sent again on Save. */
export function EditableText({
  text,
  onEdit,
}: {
  text: string;
  /** Resolves whether the server took the edit. */
  onEdit: (text: string) => Promise<boolean>;
}) {
  const { t } = useStrings();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(text);
  const fieldId = useId();

  async function save(event: FormEvent) {
    event.preventDefault();
    const trimmed = draft.trim();
    if (!trimmed) return;
    if (trimmed === text.trim() || (await onEdit(trimmed))) setEditing(false);
  }

  if (!editing) {
    return (
      <button
        type="button"
        className={iconButton}
        aria-label={t("edit.edit")}
        title={t("edit.title")}
        onClick={() => {
          setDraft(text);
          setEditing(true);
        }}
      >
        <PencilIcon />
      </button>
    );
  }
  return (
    <form
      onSubmit={save}
      className="flex w-full max-w-[85%] flex-col gap-2"
      data-testid="edit-form"
    >
      <label htmlFor={fieldId} className="sr-only">
        {t("edit.field")}
      </label>
      <textarea
        id={fieldId}
        value={draft}
        rows={3}
        // biome-ignore lint/a11y/noAutofocus: the user just asked to edit this text.
        autoFocus
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") setEditing(false);
        }}
        className={`rounded-md border border-neutral-300 bg-white px-3 py-2 dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
      />
      <p className="text-xs text-neutral-500">{t("edit.note")}</p>
      <div className="flex justify-end gap-2">
        <Button type="button" variant="secondary" onClick={() => setEditing(false)}>
          {t("edit.cancel")}
        </Button>
        <Button type="submit" disabled={!draft.trim()}>
          {t("edit.save")}
        </Button>
      </div>
    </form>
  );
}
