// The one reader of server-sent events for the tests (the bench keeps its own, tuned for speed):
// the body of a `text/event-stream` answer as the messages an EventSource would dispatch.

/** One message of the stream, dispatched at the blank line that ends it. */
export interface SseMessage {
  /** The `event:` field; null for an unnamed message (EventSource's "message"). */
  event: string | null;
  /** The `id:` field; null when the message has none (tRPC's connected and ping messages). */
  id: string | null;
  /** The `data:` lines, joined by "\n". */
  data: string;
}

/**
 * Turns text, as it arrives in chunks of any size, into messages. Lines end in LF or CRLF; a
 * line that starts with ":" is a comment; a field's value loses one leading space; a block
 * without a field (a lone `retry:` too) dispatches nothing.
 */
export class SseParser {
  #buffer = "";
  #message = fresh();

  /** The messages that `text` completes (none while a message is unfinished). */
  push(text: string): SseMessage[] {
    const done: SseMessage[] = [];
    const lines = (this.#buffer + text).split("\n");
    // The last piece is an unfinished line (or "" after a line end).
    this.#buffer = lines.pop()!;
    for (const ending of lines) {
      const line = ending.endsWith("\r") ? ending.slice(0, -1) : ending;
      const message = this.#message;
      if (line === "") {
        if (message.data.length > 0 || message.event !== null || message.id !== null) {
          done.push({ event: message.event, id: message.id, data: message.data.join("\n") });
        }
        this.#message = fresh();
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const raw = colon < 0 ? "" : line.slice(colon + 1);
      const value = raw.startsWith(" ") ? raw.slice(1) : raw;
      if (field === "data") message.data.push(value);
      else if (field === "event") message.event = value;
      else if (field === "id") message.id = value;
    }
    return done;
  }
}

/** The body of an event-stream answer as text, for an SseParser. */
export function decodeText(body: ReadableStream<Uint8Array<ArrayBuffer>>) {
  return body.pipeThrough(new TextDecoderStream()).getReader();
}

/**
 * Reads `body` until it ends, yielding each message. Leaving the loop (return, break, throw)
 * cancels the body.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array<ArrayBuffer>>,
): AsyncGenerator<SseMessage> {
  const reader = decodeText(body);
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield* parser.push(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

function fresh(): { event: string | null; id: string | null; data: string[] } {
  return { event: null, id: null, data: [] };
}
