// What a client holds of a conversation: the messages of a page plus the events it applied since,
// exactly as the docs promise ("a client holding the messages as of event N that applies events
// N+1... in order holds the messages as they are"). The suite checks that promise against the
// server after crashes and under load, with the reducer the React hooks ship
// (packages/react/src/live-context.ts), not a copy of it.
import type { ContextEvent, ContextMessage } from "@agent-access/agents";
import { liveFromPage, receiveEvent } from "../../../packages/react/src/live-context.ts";

export interface ClientView {
  messages: ContextMessage[];
  /** The seq of the last event applied (the page's lastEventId to begin with). */
  lastEventId: number;
}

/**
 * The view after `event`, which must be the next in the log. Stricter than a browser: a gap, a
 * repeat, or an edit of a message the client does not hold (it holds the whole conversation
 * here) is a broken promise of the server's, so it throws instead of being skipped.
 */
export function applyEvent(view: ClientView, seq: number, event: ContextEvent): ClientView {
  if (event.type === "message.delta" || event.type === "message.part") {
    const message = view.messages.find((held) => held.id === event.messageId);
    if (!message) {
      throw new Error(`an event names message ${event.messageId}, which the client does not hold`);
    }
    if (event.type === "message.delta" && message.parts[event.partIndex]?.type !== "text") {
      throw new Error("a delta for a part that is not text");
    }
  }
  const live = liveFromPage(
    "",
    { items: view.messages, hasMore: false, lastEventId: view.lastEventId },
    { status: "idle", title: "", agentId: "" },
  );
  const { state, outcome } = receiveEvent(live, seq, event);
  if (outcome !== "applied") {
    throw new Error(`event ${seq} arrived after ${view.lastEventId}: a ${outcome}`);
  }
  return { messages: state.messages, lastEventId: state.lastEventId };
}
