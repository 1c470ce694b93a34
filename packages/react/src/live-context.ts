// A conversation as the client holds it: a page of messages consistent with the event log up
// to `lastEventId`, moved forward one event at a time. Pure functions, no React: the same
// events applied in the same order always give the same messages the server holds.
import type {
  ContextEvent,
  ContextMessage,
  ContextStatus,
  ContextSummary,
  ToolCallPart,
} from "./types.ts";

/** One conversation as the client holds it, consistent with the log up to `lastEventId`. */
export interface LiveContext {
  contextId: string;
  /** Oldest first, by seq. */
  messages: ContextMessage[];
  /** The seq of the last event applied: the stream resumes after it. */
  lastEventId: number;
  status: ContextStatus;
  title: string;
  /** Older messages exist than the oldest held. */
  hasMore: boolean;
  /** Why the last run failed or was interrupted; null after a run that completed. */
  runError: string | null;
}

type MessagesPage = { items: ContextMessage[]; hasMore: boolean; lastEventId: number };

/**
 * The starting point: the newest page, and the context as read *after* that page. The summary
 * may be newer than the page; the events after the page's lastEventId carry every later status
 * change again, each as a whole value, so applying them converges on the same state.
 */
export function liveFromPage(
  contextId: string,
  page: MessagesPage,
  summary: ContextSummary,
): LiveContext {
  return {
    contextId,
    messages: page.items,
    lastEventId: page.lastEventId,
    status: summary.status,
    title: summary.title,
    hasMore: page.hasMore,
    runError: null,
  };
}

function editMessage(
  state: LiveContext,
  messageId: string,
  edit: (message: ContextMessage) => ContextMessage,
): LiveContext {
  const index = state.messages.findIndex((message) => message.id === messageId);
  // A message older than the loaded pages: when it is loaded, it is read as it is by then.
  if (index < 0) return state;
  const messages = state.messages.slice();
  messages[index] = edit(messages[index]!);
  return { ...state, messages };
}

/** The state after one event (the caller checks that it is the next by seq). */
export function applyEvent(state: LiveContext, event: ContextEvent): LiveContext {
  switch (event.type) {
    case "message.created": {
      const messages = state.messages.filter((message) => message.id !== event.message.id);
      const at = messages.findIndex((message) => message.seq > event.message.seq);
      messages.splice(at < 0 ? messages.length : at, 0, event.message);
      return { ...state, messages };
    }
    case "message.delta":
      return editMessage(state, event.messageId, (message) => {
        const parts = message.parts.slice();
        const part = parts[event.partIndex];
        parts[event.partIndex] =
          part?.type === "text"
            ? { ...part, text: part.text + event.text }
            : { type: "text", text: event.text };
        return { ...message, parts };
      });
    case "message.part":
      return editMessage(state, event.messageId, (message) => {
        const parts = message.parts.slice();
        parts[event.partIndex] = event.part;
        return { ...message, parts };
      });
    case "messages.removed": {
      const removed = new Set(event.messageIds);
      return { ...state, messages: state.messages.filter((message) => !removed.has(message.id)) };
    }
    case "run.started":
      return { ...state, runError: null };
    case "run.finished":
      return {
        ...state,
        runError:
          event.status === "failed" || event.status === "interrupted"
            ? (event.error ?? `The agent run ${event.status === "failed" ? "failed" : "stopped"}.`)
            : null,
      };
    case "context.updated":
      return { ...state, status: event.status, title: event.title };
    case "message.completed":
    case "run.waiting":
      // Nothing to hold: the message is already whole, and the waiting tool call is a part
      // (its state says what it waits for); the status comes with context.updated.
      return state;
  }
}

/** A tool call of the newest assistant message waiting in `state`, with that message's id. */
export function waitingToolCall(
  messages: ContextMessage[],
  state: "awaiting-approval" | "awaiting-input",
): (ToolCallPart & { messageId: string }) | null {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index]!;
    if (message.role !== "assistant") continue;
    for (const part of message.parts) {
      if (part.type === "tool-call" && part.state === state) {
        return { ...part, messageId: message.id };
      }
    }
    return null;
  }
  return null;
}
