// The event streams the server answers on node:http (event-streams.ts) against tRPC's own SSE
// over Hono, the same app on a second server: the same bytes for the same stream, the same
// resume after lastEventId, the same errors; the stream slot bound and the session re-check.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { seedFixture } from "@agent-access/agents/testing";
import { describeEachDialect } from "@agent-access/db/testing";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  agentBrowser,
  CookieClient,
  openEvents,
  startTestServer,
  type TestServer,
} from "../test/harness.ts";
import { decodeText, SseParser } from "../test/sse.ts";

let server: TestServer;
let viaTrpc: Server;
let trpcUrl: string;
const group = "tenant:acme:user:9";

/** What a stream sent until `done` holds of its text (or it ended), then it is dropped. */
async function readUntil(
  browser: CookieClient,
  baseUrl: string,
  path: string,
  done: (text: string) => boolean,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const controller = new AbortController();
  const response = await browser.fetch(new URL(path, baseUrl).href, {
    signal: controller.signal,
    headers: { accept: "text/event-stream", ...headers },
  });
  let text = "";
  if (response.body) {
    const reader = decodeText(response.body);
    const deadline = Date.now() + 10_000;
    while (!done(text) && Date.now() < deadline) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += chunk.value;
    }
  }
  controller.abort();
  return { status: response.status, headers: response.headers, text };
}

/** Both servers' answers to the same GET. */
async function both(
  browser: CookieClient,
  path: string,
  done: (text: string) => boolean,
  headers: Record<string, string> = {},
) {
  const ours = await readUntil(browser, server.url, path, done, headers);
  const trpc = await readUntil(browser, trpcUrl, path, done, headers);
  return { ours, trpc };
}

const eventsPath = (input: unknown) =>
  `/trpc/context.events?input=${encodeURIComponent(JSON.stringify(input))}`;

/** The frames of an SSE text, errors without their stack (where each path was called from). */
function frames(text: string) {
  return new SseParser().push(text).map((message) => {
    if (message.event !== "serialized-error") return message;
    const shape = JSON.parse(message.data) as { data: { stack?: string } };
    delete shape.data.stack;
    return { ...message, data: shape };
  });
}

/** A context with one finished turn: its events are numbered 1 to `last`. */
async function finishedContext(browser: CookieClient): Promise<{ id: string; last: number }> {
  const { context } = await browser.trpc.context.create.mutate({ title: "Streams" });
  const stream = await openEvents(browser, context.id);
  await browser.trpc.context.send.mutate({ contextId: context.id, text: "stream 30 words" });
  let last = (await stream.until("run.finished")).at(-1)!.id;
  // Events may follow the run's end (a title): the last is the one after which all is quiet.
  for (;;) {
    const event = await stream.next(500).catch(() => null);
    if (!event) break;
    last = event.id;
  }
  stream.close();
  return { id: context.id, last };
}

describeEachDialect("event streams on node:http", () => {
  beforeAll(async () => {
    server = await startTestServer({ tokenDelayMs: 1, quotas: { streamsPerSession: 3 } });
    await seedFixture(server.db, group);
    viaTrpc = createServer(getRequestListener(server.app.fetch));
    await new Promise<void>((resolve) => viaTrpc.listen(0, "127.0.0.1", resolve));
    trpcUrl = `http://127.0.0.1:${(viaTrpc.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    viaTrpc.closeAllConnections();
    await new Promise((resolve) => viaTrpc.close(resolve));
    await server.close();
  });

  it("are answered by the server itself, counted while open and released when dropped", async () => {
    const browser = await agentBrowser(server, group);
    const { id } = await finishedContext(browser);
    await expect.poll(() => server.openStreams()).toBe(0);
    const stream = await openEvents(browser, id);
    expect(await stream.next()).toMatchObject({ id: 1 });
    expect(server.openStreams()).toBe(1);
    stream.close();
    await expect.poll(() => server.openStreams()).toBe(0);
  });

  it("send the same bytes and headers as tRPC's own SSE, resuming exactly after lastEventId", async () => {
    const browser = await agentBrowser(server, group);
    const { id, last } = await finishedContext(browser);
    const through = (seq: number) => (text: string) => text.includes(`id: ${seq}\n\n\n`);

    const all = await both(browser, eventsPath({ contextId: id }), through(last));
    expect(all.ours.status).toBe(200);
    expect(all.ours.text).toBe(all.trpc.text);
    expect(
      all.ours.text.startsWith(
        'event: connected\ndata: {"reconnectAfterInactivityMs":20000}\n\n\n',
      ),
    ).toBe(true);
    for (const name of ["content-type", "cache-control", "x-accel-buffering"]) {
      expect(all.ours.headers.get(name)).toBe(all.trpc.headers.get(name));
    }
    const ids = frames(all.ours.text).flatMap((frame) => (frame.id ? [Number(frame.id)] : []));
    expect(ids).toEqual(Array.from({ length: last }, (_, index) => index + 1));

    // From the input, from the Last-Event-ID header (an EventSource's reconnection), and from
    // the query parameter: the events after it, none before, none twice.
    const from = 3;
    const resumes = [
      await both(browser, eventsPath({ contextId: id, lastEventId: String(from) }), through(last)),
      await both(browser, eventsPath({ contextId: id }), through(last), {
        "last-event-id": String(from),
      }),
      await both(browser, `${eventsPath({ contextId: id })}&lastEventId=${from}`, through(last)),
    ];
    for (const { ours, trpc } of resumes) {
      expect(ours.text).toBe(trpc.text);
      const resumed = frames(ours.text).flatMap((frame) => (frame.id ? [Number(frame.id)] : []));
      expect(resumed).toEqual(Array.from({ length: last - from }, (_, index) => from + 1 + index));
    }
  });

  it("send tRPC's errors as tRPC does: UNAUTHORIZED, NOT_FOUND, BAD_REQUEST", async () => {
    const browser = await agentBrowser(server, group);
    const stranger = await agentBrowser(server, "tenant:other:user:1");
    const { id } = await finishedContext(browser);
    const ended = (text: string) => text.includes("event: serialized-error");
    const signedOut = new CookieClient(server.url);

    const cases = [
      { client: signedOut, input: { contextId: id }, code: "UNAUTHORIZED" },
      { client: stranger, input: { contextId: id }, code: "NOT_FOUND" },
      { client: browser, input: { contextId: "ctx_missing" }, code: "NOT_FOUND" },
      { client: browser, input: { contextId: id, lastEventId: "abc" }, code: "BAD_REQUEST" },
    ];
    const paths = cases.map(({ client, input, code }) => ({
      client,
      path: eventsPath(input),
      code,
    }));
    // An input that is not JSON at all.
    paths.push({ client: browser, path: "/trpc/context.events?input=NaN", code: "BAD_REQUEST" });
    for (const { client, path, code } of paths) {
      const { ours, trpc } = await both(client, path, ended);
      expect(ours.status).toBe(200);
      expect(frames(ours.text)).toEqual(frames(trpc.text));
      const error = frames(ours.text).at(-1)!;
      expect(error).toMatchObject({ event: "serialized-error", data: { data: { code } } });
    }
  });

  it("keep the open-stream bound per agent session: a 429 with Retry-After beyond it", async () => {
    const browser = await agentBrowser(server, group);
    const { id } = await finishedContext(browser);
    const streams = [];
    for (let i = 0; i < 3; i++) {
      const stream = await openEvents(browser, id);
      await stream.next();
      streams.push(stream);
    }
    const refused = await readUntil(
      browser,
      server.url,
      eventsPath({ contextId: id }),
      () => false,
    );
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(JSON.parse(refused.text)).toMatchObject({
      error: { data: { code: "TOO_MANY_REQUESTS", httpStatus: 429 } },
    });
    streams.pop()!.close();
    await expect
      .poll(async () => {
        const again = await readUntil(browser, server.url, eventsPath({ contextId: id }), (text) =>
          text.includes("id: 1\n"),
        );
        return again.status;
      })
      .toBe(200);
    for (const stream of streams) stream.close();
  });

  it("end with UNAUTHORIZED once the session has ended", async () => {
    const short = await startTestServer({ config: { streamSessionCheckMs: 50 } });
    try {
      await seedFixture(short.db, group);
      const browser = await agentBrowser(short, group);
      const { id } = await finishedContext(browser);
      const reading = readUntil(browser, short.url, eventsPath({ contextId: id }), (text) =>
        text.includes("event: serialized-error"),
      );
      await expect.poll(() => short.openStreams()).toBe(1);
      await browser.trpc.session.end.mutate();
      const { text } = await reading;
      expect(frames(text).at(-1)).toMatchObject({
        event: "serialized-error",
        data: { data: { code: "UNAUTHORIZED" } },
      });
      await expect.poll(() => short.openStreams()).toBe(0);
    } finally {
      await short.close();
    }
  });
});
