// The conversation: user messages as bubbles, agent replies as Markdown and tool cards. It stays
// pinned to the newest message while a reply streams (unless the reader scrolled up) and loads
// older messages when the top comes into view, keeping the reader's place.
import { Suspense, useEffect, useLayoutEffect, useRef } from "react";
import { useStrings } from "./i18n/use-strings.ts";
import { Markdown, MessageFiles } from "./lazy-attachments.ts";
import { ToolCallCard } from "./tool-call-card.tsx";
import type { ContextMessage } from "./types.ts";

interface MessageListProps {
  messages: ContextMessage[];
  /** A reply is being written: show the indicator after the last message. */
  streaming: boolean;
  hasMore: boolean;
  onLoadMore: () => void;
  /** Shown in the empty conversation. */
  emptyHint?: string;
}

function UserMessage({ message }: { message: ContextMessage }) {
  const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
  const files = message.parts.flatMap((part) => (part.type === "file" ? [part] : []));
  return (
    <div className="flex flex-col items-end gap-2" data-testid="message" data-role="user">
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
    </div>
  );
}

function AgentMessage({ message }: { message: ContextMessage }) {
  return (
    <div className="max-w-full" data-testid="message" data-role="assistant">
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
          <ToolCallCard key={part.toolCallId} part={part} />
        ) : null,
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
  emptyHint,
}: MessageListProps) {
  const { t } = useStrings();
  const scroller = useRef<HTMLDivElement>(null);
  const top = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const heightBeforeOlder = useRef<number | null>(null);
  const firstId = messages[0]?.id;

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
      <div className="mx-auto flex max-w-3xl flex-col gap-4">
        <div ref={top} aria-hidden="true" />
        {hasMore && (
          <p className="text-center text-xs text-neutral-500">{t("messages.loadingEarlier")}</p>
        )}
        {messages.length === 0 && !streaming && emptyHint && (
          <p className="mt-16 text-center text-neutral-500">{emptyHint}</p>
        )}
        {messages.map((message) =>
          message.role === "user" ? (
            <UserMessage key={message.id} message={message} />
          ) : (
            <AgentMessage key={message.id} message={message} />
          ),
        )}
        {streaming && <StreamingIndicator />}
      </div>
    </div>
  );
}
