// A conversation as the client holds it: a page of messages consistent with the event log up
// to `lastEventId`, moved forward one event at a time. Pure functions, no React: the same
// events applied in the same order always give the same messages the server holds.
//
// This is the only place events are applied to messages. The hooks use it, and so do the
// engine's tests and the security suite (by a relative import of this file), so that what they
// check is what ships.
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
  /** The conversation's agent (it never changes). */
  agentId: string;
}

/** A page of `context.messages`: newest page first, each page oldest first. */
export type MessagesPage = { items: ContextMessage[]; hasMore: boolean; lastEventId: number };

/**
 * The starting point: the newest page, and the context as read *after* that page. The summary
 * may be newer than the page; the events after the page's lastEventId carry every later status
 * change again, each as a whole value, so applying them converges on the same state.
 */
export function liveFromPage(
  contextId: string,
  page: MessagesPage,
  summary: Pick<ContextSummary, "status" | "title" | "agentId">,
): LiveContext {
  return {
    contextId,
    messages: page.items,
    lastEventId: page.lastEventId,
    status: summary.status,
    title: summary.title,
    hasMore: page.hasMore,
    agentId: summary.agentId,
  };
}

/** An older page (`before` the oldest message held) put in front of the messages held. */
export function withOlderPage(
  state: LiveContext,
  page: Omit<MessagesPage, "lastEventId">,
): LiveContext {
  const held = new Set(state.messages.map((message) => message.id));
  return {
    ...state,
    messages: [...page.items.filter((item) => !held.has(item.id)), ...state.messages],
    hasMore: page.hasMore,
  };
}

function editMessage(
  messages: ContextMessage[],
  messageId: string,
  edit: (message: ContextMessage) => ContextMessage,
): ContextMessage[] {
  const index = messages.findIndex((message) => message.id === messageId);
  // A message older than the loaded pages: when it is loaded, it is read as it is by then.
  if (index < 0) return messages;
  const edited = messages.slice();
  edited[index] = edit(edited[index]!);
  return edited;
}

/**
 * The messages after one event. Returns `messages` itself when the event changes none of them
 * (run and context events, or an edit of a message older than those held); never mutates.
 */
export function applyToMessages(messages: ContextMessage[], event: ContextEvent): ContextMessage[] {
  switch (event.type) {
    case "message.created": {
      // Kept in seq order, and once: a message already held is replaced by the event's copy.
      // Events logged before messages carried `outcome` and `feedback` lack them.
      const created = {
        ...event.message,
        outcome: event.message.outcome ?? null,
        feedback: event.message.feedback ?? null,
      };
      const others = messages.filter((message) => message.id !== created.id);
      const at = others.findIndex((message) => message.seq > created.seq);
      others.splice(at < 0 ? others.length : at, 0, created);
      return others;
    }
    case "message.delta":
      return editMessage(messages, event.messageId, (message) => {
        const parts = message.parts.slice();
        const part = parts[event.partIndex];
        parts[event.partIndex] =
          part?.type === "text"
            ? { ...part, text: part.text + event.text }
            : { type: "text", text: event.text };
        return { ...message, parts };
      });
    case "message.part":
      return editMessage(messages, event.messageId, (message) => {
        const parts = message.parts.slice();
        parts[event.partIndex] = event.part;
        return { ...message, parts };
      });
    case "messages.removed": {
      const removed = new Set(event.messageIds);
      return messages.some((message) => removed.has(message.id))
        ? messages.filter((message) => !removed.has(message.id))
        : messages;
    }
    case "message.feedback":
      return editMessage(messages, event.messageId, (message) => ({
        ...message,
        feedback: event.feedback,
      }));
    case "run.finished": {
      // The reply shows how its run ended (a failure with its reason, a stop), as a reload does.
      const index = messages.findIndex(
        (message) => message.runId === event.runId && message.role === "assistant",
      );
      if (index < 0) return messages;
      return editMessage(messages, messages[index]!.id, (message) => ({
        ...message,
        outcome: { status: event.status, error: event.error ?? null },
      }));
    }
    case "message.completed":
    case "run.started":
    case "run.waiting":
    case "context.updated":
      // The message is already whole; a waiting tool call is a part (its state says what it
      // waits for); statuses and titles are not messages.
      return messages;
  }
}

/** The state after one event (see `receiveEvent` for the check that it is the next by seq). */
export function applyEvent(state: LiveContext, event: ContextEvent): LiveContext {
  const messages = applyToMessages(state.messages, event);
  const next = messages === state.messages ? state : { ...state, messages };
  switch (event.type) {
    case "context.updated":
      return { ...next, status: event.status, title: event.title };
    default:
      return next;
  }
}

/**
 * What became of an event received with its seq: `applied` (it was the next), `duplicate` (at
 * or below the last applied: replayed after a reconnect, or already in the page; skipped), or
 * `gap` (an event is missing before it: never guessed at, the state is unchanged and the caller
 * loads afresh).
 */
export type EventOutcome = "applied" | "duplicate" | "gap";

/** One event of the stream, with its place in the log: applied only if it is the next. */
export function receiveEvent(
  state: LiveContext,
  seq: number,
  event: ContextEvent,
): { state: LiveContext; outcome: EventOutcome } {
  if (seq <= state.lastEventId) return { state, outcome: "duplicate" };
  if (seq !== state.lastEventId + 1) return { state, outcome: "gap" };
  return { state: { ...applyEvent(state, event), lastEventId: seq }, outcome: "applied" };
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
