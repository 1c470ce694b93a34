// The tests' SSE reader on streams cut at awkward places, as a network delivers them.
import { describe, expect, it, vi } from "vitest";
import { readSse, type SseMessage } from "./sse.ts";

/** A body that delivers `chunks` one by one, and says whether it was cancelled. */
function body(chunks: string[]) {
  const state = { cancelled: false };
  const encoder = new TextEncoder();
  let index = 0;
  const stream = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(encoder.encode(chunks[index++]));
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

async function all(chunks: string[]): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  for await (const message of readSse(body(chunks).stream)) messages.push(message);
  return messages;
}

describe("readSse", () => {
  it("reads tRPC's stream: connected, tracked events with ids, pings", async () => {
    const text =
      'event: connected\ndata: {"reconnectAfterInactivityMs":0}\n\n' +
      'id: 1\ndata: {"type":"run.started"}\n\n' +
      "event: ping\ndata: \n\n" +
      'id: 2\ndata: {"type":"run.finished"}\n\n';
    const expected: SseMessage[] = [
      { event: "connected", id: null, data: '{"reconnectAfterInactivityMs":0}' },
      { event: null, id: "1", data: '{"type":"run.started"}' },
      { event: "ping", id: null, data: "" },
      { event: null, id: "2", data: '{"type":"run.finished"}' },
    ];
    expect(await all([text])).toEqual(expected);
    // The same bytes one character at a time.
    expect(await all([...text])).toEqual(expected);
  });

  it("joins data lines, takes CRLF, skips comments and lone retry blocks", async () => {
    const messages = await all([
      ": a comment\r\n",
      "retry: 20\r\n\r\n",
      'event: serialized-error\r\ndata: {"a":\r\ndata:1}\r\n\r',
      "\n",
    ]);
    expect(messages).toEqual([{ event: "serialized-error", id: null, data: '{"a":\n1}' }]);
  });

  it("drops an unfinished last message and cancels the body when the reader stops early", async () => {
    expect(await all(["id: 1\ndata: x\n\n", "id: 2\ndata: y"])).toEqual([
      { event: null, id: "1", data: "x" },
    ]);
    const { stream, state } = body(["id: 1\ndata: x\n\n", "id: 2\ndata: y\n\n", "id: 3\n"]);
    for await (const message of readSse(stream)) {
      expect(message.id).toBe("1");
      break;
    }
    // The cancel travels back through the decoding pipe to the body.
    await vi.waitFor(() => expect(state.cancelled).toBe(true));
  });
});
