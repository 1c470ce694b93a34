// The conversation: user messages as bubbles, agent replies as Markdown and tool cards, each
// reply with its actions (copy, regenerate, rating) and, when it failed or was stopped, why and
// a Retry. It stays pinned to the newest message while a reply streams (unless the reader
// scrolled up) and loads older messages when the top comes into view, keeping the reader's place.
import type { FeedbackRating } from "@agent-access/react";
import { type ReactNode, Suspense, useEffect, useLayoutEffect, useRef } from "react";
import { useStrings } from "./i18n/use-strings.ts";
import { Markdown, MessageFiles } from "./lazy-attachments.ts";
import { EditableText, ReplyActions, ReplyOutcome } from "./message-actions.tsx";
import { type ToolCallActions, ToolCallCard } from "./tool-call-card.tsx";
import type { ContextMessage } from "./types.ts";

/** What the reader can do to the messages (useAgentContext's actions and their conditions). */
export interface MessageActions {
  /** The user message that may be edited and sent again (the last one, while idle). */
  editableMessageId: string | null;
  /** No run is unfinished: the newest reply may be answered again. */
  idle: boolean;
  onRegenerate: () => void;
  /** Answers the last message again after a reply that failed, was stopped or interrupted. */
  onRetry: () => void;
  onEdit: (messageId: string, text: string) => Promise<boolean>;
  onFeedback: (
    messageId: string,
    rating: FeedbackRating | null,
    comment?: string,
  ) => Promise<boolean>;
}

interface MessageListProps {
  messages: ContextMessage[];
  /** A reply is being written: show the indicator after the last message. */
  streaming: boolean;
  hasMore: boolean;
  onLoadMore: () => void;
  /** Shown in the empty conversation. */
  empty?: ReactNode;
  /** The per-message actions; without them the messages are read-only. */
  actions?: MessageActions;
  /** Answers to the tool call waiting on the user, shown with that call. */
  toolActions?: ToolCallActions;
}

function UserMessage({ message, actions }: { message: ContextMessage; actions?: MessageActions }) {
  const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
  const files = message.parts.flatMap((part) => (part.type === "file" ? [part] : []));
  const editable = actions && actions.editableMessageId === message.id;
  return (
    <div className="group flex flex-col items-end gap-2" data-testid="message" data-role="user">
      {files.length > 0 && (
        <Suspense fallback={null}>
          <MessageFiles parts={files} />
        </Suspense>
      )}
      {text && (
        <p className="max-w-[85%] whitespace-pre-wrap break-words rounded-2xl bg-blue-700 px-4 py-2 text-white dark:bg-blue-600">
          {text}
        </p>
      )}
      {editable && (
        <EditableText text={text} onEdit={(edited) => actions.onEdit(message.id, edited)} />
      )}
    </div>
  );
}

function AgentMessage({
  message,
  newest,
  actions,
  toolActions,
}: {
  message: ContextMessage;
  /** The newest reply of the conversation. */
  newest: boolean;
  actions?: MessageActions;
  toolActions?: ToolCallActions;
}) {
  const canAnswerAgain = Boolean(actions?.idle && newest);
  return (
    <div
      className="min-w-0 max-w-full"
      data-testid="message"
      data-role="assistant"
      data-outcome={message.outcome?.status}
    >
      {message.parts.map((part, index) =>
        part.type === "text" ? (
          // Until the renderer has loaded, the reply's text as it is.
          <Suspense
            key={`text-${index}`}
            fallback={
              <div className="whitespace-pre-wrap break-words" data-testid="text">
                {part.text}
              </div>
            }
          >
            <Markdown text={part.text} />
          </Suspense>
        ) : part.type === "tool-call" ? (
          <ToolCallCard key={part.toolCallId} part={part} actions={toolActions} />
        ) : null,
      )}
      {message.outcome && (
        <ReplyOutcome
          outcome={message.outcome}
          onRetry={canAnswerAgain ? actions?.onRetry : undefined}
        />
      )}
      {actions && message.outcome && (
        <ReplyActions
          message={message}
          canRegenerate={canAnswerAgain && message.outcome.status === "completed"}
          onRegenerate={actions.onRegenerate}
          onFeedback={(rating, comment) => actions.onFeedback(message.id, rating, comment)}
        />
      )}
    </div>
  );
}

export function StreamingIndicator() {
  const { t } = useStrings();
  return (
    <div
      role="status"
      aria-label={t("messages.writing")}
      data-testid="streaming"
      className="flex h-6 items-center gap-1 text-neutral-500"
    >
      <span className="h-2 w-2 animate-bounce rounded-full bg-current [animation-delay:-0.3s]" />
      <span className="h-2 w-2 animate-bounce rounded-full bg-current [animation-delay:-0.15s]" />
      <span className="h-2 w-2 animate-bounce rounded-full bg-current" />
    </div>
  );
}

export function MessageList({
  messages,
  streaming,
  hasMore,
  onLoadMore,
  empty,
  actions,
  toolActions,
}: MessageListProps) {
  const { t } = useStrings();
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const firstId = messages[0]?.id;
  const newestReplyId = messages.findLast((message) => message.role === "assistant")?.id;

  // Older messages were put above: keep what the reader was looking at in place.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && heightBeforeOlder.current !== null) {
      element.scrollTop += element.scrollHeight - heightBeforeOlder.current;
      heightBeforeOlder.current = null;
    }
  }, [firstId]);

  // New text at the bottom: follow it if the reader is at the bottom.
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  });

  useEffect(() => {
    const element = top.current;
    if (!element || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && scroller.current) {
        heightBeforeOlder.current = scroller.current.scrollHeight;
        onLoadMore();
      }
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [hasMore, onLoadMore]);

  return (
    <div
      ref={scroller}
      onScroll={(event) => {
        const element = event.currentTarget;
        pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48;
      }}
      className="min-h-0 flex-1 overflow-y-auto overscroll-contain px-4 py-6"
      aria-live="polite"
      aria-busy={streaming}
      data-testid="messages"
    >
      <div className="mx-auto flex min-w-0 max-w-3xl flex-col gap-4">
        <div ref={top} aria-hidden="true" />
        {hasMore && (
          <p className="text-center text-xs text-neutral-500">{t("messages.loadingEarlier")}</p>
        )}
        {messages.length === 0 && !streaming && empty}
        {messages.map((message) =>
          message.role === "user" ? (
            <UserMessage key={message.id} message={message} actions={actions} />
          ) : (
            <AgentMessage
              key={message.id}
              message={message}
              newest={message.id === newestReplyId}
              actions={actions}
              toolActions={toolActions}
            />
          ),
        )}
        {streaming && <StreamingIndicator />}
      </div>
    </div>
  );
}
