// The AI SDK's UI message stream as a client reads it: a POST whose answer is SSE, one
// `data: {json}` event per chunk (`start`, `text-start`, `text-delta`, ..., `finish`), then
// `data: [DONE]`. Read with the bench's own SSE reader (lib/sse.ts), so that a peer's stream and
// the app's event stream cost the client the same.
import { openSse, type SseStream } from "./sse.ts";

export interface UiMessageStreamHandlers {
  /** Each `text-delta` chunk's text, with the moment its bytes arrived (performance.now()). */
  onDelta?: (text: string, at: number) => void;
}

export interface UiMessageStream extends SseStream {
  /**
   * Settles when the `finish` chunk has arrived: "completed", or "error" for an `error` chunk,
   * or "ended" when the stream closed without either.
   */
  finished: Promise<"completed" | "error" | "ended">;
}

/** The body useChat's default transport sends: the conversation's UI messages so far. */
export function chatRequest(text: string): string {
  return JSON.stringify({
    id: "chat_bench",
    trigger: "submit-message",
    messages: [{ id: "msg_user", role: "user", parts: [{ type: "text", text }] }],
  });
}

export async function openUiMessageStream(
  url: string,
  body: string,
  handlers: UiMessageStreamHandlers = {},
): Promise<UiMessageStream> {
  let settle: ((outcome: "completed" | "error" | "ended") => void) | undefined;
  const finished = new Promise<"completed" | "error" | "ended">((resolve) => {
    settle = resolve;
  });
  const stream = await openSse(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    onEvent: (event) => {
      if (event.data === "[DONE]") return;
      // Only the chunks the bench needs are parsed: text deltas, the end and errors.
      if (event.data.startsWith('{"type":"text-delta"')) {
        const chunk = JSON.parse(event.data) as { delta: string };
        handlers.onDelta?.(chunk.delta, event.at);
      } else if (/^\{"type":"finish"[,}]/.test(event.data)) {
        // ("finish-step" ends a step, "finish" the message.)
        settle?.("completed");
      } else if (event.data.startsWith('{"type":"error"')) {
        settle?.("error");
      }
    },
  });
  if (stream.status !== 200) {
    stream.close();
    throw new Error(`the UI message stream answered ${stream.status}`);
  }
  void stream.ended.then(() => settle?.("ended"));
  return { ...stream, finished };
}
