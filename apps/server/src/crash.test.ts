// A server killed with SIGKILL in the middle of a reply loses nothing it acknowledged: after a
// restart every earlier message is intact, the run is `interrupted`, the log has no gap.
import { closeDatabase, column, createApiKey, get, openDatabase } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CookieClient, mintStaticTicket, openEvents } from "../test/harness.ts";
import { type ServerProcess, startServerProcess } from "../test/server-process.ts";

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ production: false });
});
afterAll(() => server.stop());

it("restarts after SIGKILL mid-run with every earlier message intact and the run interrupted", async () => {
  const db = openDatabase(server.databasePath);
  const { key } = await createApiKey(db, "crash-test");
  const { ticket } = await mintStaticTicket(server, key, "tenant:acme:user:7");
  const browser = new CookieClient(server.url);
  expect(await browser.trpc.session.exchange.mutate({ ticket })).toMatchObject({
    sessionType: "static",
  });
  const created = await browser.trpc.context.create.mutate({
    firstMessage: "How healthy are my webhooks?",
  });
  const contextId = created.context.id;
  const first = await openEvents(browser, contextId);
  const firstTurn = await first.until("run.finished");
  first.close();

  // The builtin model writes a word every 20 ms here: a long reply is still running when killed.
  const stream = await openEvents(browser, contextId, firstTurn.at(-1)!.id);
  const sent = await browser.trpc.context.send.mutate({ contextId, text: "stream 5000 words" });
  let deltas = 0;
  while (deltas < 5) {
    if ((await stream.next())?.data.type === "message.delta") deltas++;
  }
  await server.stop("SIGKILL");
  stream.close();

  await server.restart();
  const { items } = await browser.trpc.context.messages.query({ contextId });
  expect(items.map((message) => message.role)).toEqual(["user", "assistant", "user", "assistant"]);
  expect(items[0]!.parts[0]).toEqual({ type: "text", text: "How healthy are my webhooks?" });
  expect(items[1]!.parts.some((part) => part.type === "tool-call")).toBe(true);
  expect(items[2]!.id).toBe(sent.messageId);
  const text = items[3]!.parts.find((part) => part.type === "text");
  const partial = text?.type === "text" ? text.text : "";
  expect(partial.split(" ").length).toBeGreaterThanOrEqual(5);
  expect(partial.split(" ").length).toBeLessThan(5000);

  const run = await get(db, "SELECT status, ended_at FROM run WHERE id = ?", [sent.runId]);
  expect(run).toMatchObject({ status: "interrupted", ended_at: expect.any(Number) });
  const seqs = await column<number>(
    db,
    "SELECT seq FROM context_event WHERE context_id = ? ORDER BY seq",
    [contextId],
  );
  expect(seqs).toEqual(seqs.map((_, index) => index + 1));

  const replay = await openEvents(browser, contextId, 0);
  const events = await replay.until("run.finished");
  const again = await replay.until("run.finished");
  const idle = (await replay.next())!;
  replay.close();
  expect(again.at(-1)!.data).toMatchObject({ status: "interrupted" });
  expect(idle.data).toMatchObject({ type: "context.updated", status: "idle" });
  expect([...events, ...again, idle].map((event) => event.id)).toEqual(seqs);

  expect((await browser.trpc.context.get.query({ contextId })).status).toBe("idle");
  await closeDatabase(db);
});

it("keeps idle sockets 65 s, past a load balancer's usual 60 s, so the balancer closes first", async () => {
  const response = await fetch(`${server.url}/healthz`);
  await response.arrayBuffer();
  expect(response.headers.get("keep-alive")).toBe("timeout=65");
});
