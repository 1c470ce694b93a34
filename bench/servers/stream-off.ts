// "Persistence off": the builtin model's reply sent over tRPC SSE exactly as context.events sends
// it (Hono, the fetch adapter, tracked events of the same shape, the engine's 50 ms batching),
// but straight from the model stream: no run engine, no transaction, no event log, no bus. Also
// an empty subscription, to tell what an idle stream costs in tRPC from what the engine adds.
import { initTRPC, tracked } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";
import { z } from "zod";
import { coalesced, modelDeltas } from "./model-stream.ts";

const t = initTRPC.create();

/** The engine's default batching window (deltaFlushMs). */
const DELTA_FLUSH_MS = 50;

export function createStreamOffApp(tokenDelayMs: number) {
  const router = t.router({
    stream: t.procedure
      .input(z.object({ words: z.number().int().min(1).max(200_000) }))
      .subscription(async function* ({ input, signal }) {
        let seq = 0;
        const messageId = "msg_bench";
        yield tracked(String(++seq), { type: "message.created", message: { id: messageId } });
        const deltas = coalesced(modelDeltas(input.words, tokenDelayMs, signal), DELTA_FLUSH_MS);
        for await (const text of deltas) {
          yield tracked(String(++seq), { type: "message.delta", messageId, partIndex: 0, text });
        }
        yield tracked(String(++seq), { type: "run.finished", status: "completed" });
      }),
    /** A subscription that says nothing until the client leaves: what tRPC's SSE itself holds. */
    idle: t.procedure.subscription(async function* ({ signal }) {
      await new Promise((resolve) => signal?.addEventListener("abort", resolve, { once: true }));
    }),
  });
  const idleRouter = t.router({
    idle: t.procedure.subscription(async function* ({ signal }) {
      yield tracked("0", { type: "hello" });
      await new Promise((resolve) => signal?.addEventListener("abort", resolve));
    }),
  });
  const app = new Hono();
  app.all("/bench/idle/*", (c) =>
    fetchRequestHandler({ endpoint: "/bench/idle", req: c.req.raw, router: idleRouter }),
  );
  app.get("/bench/hono-idle", () => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("event: connected\ndata: {}\n\n"));
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  app.all("/bench/trpc/*", (c) =>
    fetchRequestHandler({ endpoint: "/bench/trpc", req: c.req.raw, router }),
  );
  return app;
}
