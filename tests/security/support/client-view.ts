// What a client holds of a conversation: the messages of a page plus the events it applied since,
// exactly as the docs promise ("a client holding the messages as of event N that applies events
// N+1... in order holds the messages as they are"). The suite checks that promise against the
// server after crashes and under load.
import type { ContextEvent, ContextMessage } from "@agent-access/agents";

export interface ClientView {
  messages: ContextMessage[];
  /** The seq of the last event applied (the page's lastEventId to begin with). */
  lastEventId: number;
}

/** The view after `event`, which must be the next in the log. */
export function applyEvent(view: ClientView, seq: number, event: ContextEvent): ClientView {
  if (seq !== view.lastEventId + 1) {
    throw new Error(`event ${seq} arrived after ${view.lastEventId}: a gap or a repeat`);
  }
  return { messages: applyToMessages(view.messages, event), lastEventId: seq };
}

function withParts(
  messages: ContextMessage[],
  messageId: string,
  change: (parts: ContextMessage["parts"]) => ContextMessage["parts"],
): ContextMessage[] {
  if (!messages.some((message) => message.id === messageId)) {
    throw new Error(`an event names message ${messageId}, which the client does not hold`);
  }
  return messages.map((message) =>
    message.id === messageId ? { ...message, parts: change([...message.parts]) } : message,
  );
}

function applyToMessages(messages: ContextMessage[], event: ContextEvent): ContextMessage[] {
  switch (event.type) {
    case "message.created":
      return [...messages, event.message];
    case "message.delta":
      return withParts(messages, event.messageId, (parts) => {
        const part = parts[event.partIndex];
        if (part?.type !== "text") throw new Error("a delta for a part that is not text");
        parts[event.partIndex] = { ...part, text: part.text + event.text };
        return parts;
      });
    case "message.part":
      return withParts(messages, event.messageId, (parts) => {
        parts[event.partIndex] = event.part;
        return parts;
      });
    case "messages.removed":
      return messages.filter((message) => !event.messageIds.includes(message.id));
    default:
      // run.*, message.completed, context.updated: no change to the messages themselves.
      return messages;
  }
}
