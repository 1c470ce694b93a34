// The statements a turn's requests run, counted on the server's database (observeQueries) while
// a browser makes them over HTTP, on both dialects: opening a context's event stream, sending a
// message, listing the conversations. What the API side adds to the engine's own work is pinned
// exactly: one read of the agent session per request (the stream's slot and its procedure share
// it), one read of the running runs per call that starts one, and on PostgreSQL one rate_limit
// statement for all the per-minute rates of a call (on SQLite they are counted in memory). The
// totals are bounds: the engine's share may shrink, not grow, without this file saying so.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createBuiltinModel } from "@agent-access/agents";
import { type Dialect, observeQueries } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  agentBrowser,
  CookieClient,
  openEvents,
  signinBrowser,
  startTestServer,
  type TestServer,
} from "../test/harness.ts";

const GROUP = "tenant:acme:user:12";

/** The most statements each request may run, per dialect (the engine's included). */
const MOST: Record<"openStream" | "send" | "list", Record<Dialect, number>> = {
  // The session, the context's guard, the events after lastEventId (PostgreSQL: and the live
  // listener's catch-up).
  openStream: { sqlite: 3, postgres: 5 },
  // The session, the running runs, (PostgreSQL: the rates, the context's lock), then the
  // engine's send and its run up to the model call.
  send: { sqlite: 11, postgres: 13 },
  // The session and the page.
  list: { sqlite: 2, postgres: 2 },
};

let server: TestServer;
let viaHono: Server;
let honoUrl = "";

/**
 * The model's calls wait while a gate is armed, so that what a send counts ends where the model
 * is called: its run's streaming comes after, and is not the API's.
 */
let gate: { reached: () => void; held: Promise<void> } | null = null;

function gatedModel(): ReturnType<typeof createBuiltinModel> {
  const model = createBuiltinModel({ tokenDelayMs: 0 });
  return {
    ...model,
    specificationVersion: model.specificationVersion,
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) => model.doGenerate(options),
    async doStream(options) {
      const current = gate;
      if (current) {
        current.reached();
        await current.held;
      }
      return await model.doStream(options);
    },
  };
}

interface Counted {
  all: string[];
  /** Statements whose text matches `pattern`. */
  matching(pattern: RegExp): number;
}

/** The statements run on the server's database until `work` resolves. */
async function counted(work: () => Promise<unknown>): Promise<Counted> {
  const all: string[] = [];
  const stop = observeQueries(server.db, (query) => all.push(query.sql));
  try {
    await work();
  } finally {
    stop();
  }
  return { all, matching: (pattern) => all.filter((sql) => pattern.test(sql)).length };
}

const AGENT_SESSION = /\bFROM agent_session\b/;
const RATE_LIMIT = /\brate_limit\b/;
const RUNNING = /\bFROM context\s+WHERE status = 'running'/;

/** A send, counted from the request to its run's model call (both must have happened). */
async function countedSend(browser: CookieClient, contextId: string): Promise<Counted> {
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    gate = { reached: resolve, held: new Promise<void>((open) => (release = open)) };
  });
  try {
    return await counted(async () => {
      await browser.trpc.context.send.mutate({ contextId, text: "hello there" });
      await reached;
    });
  } finally {
    gate = null;
    release();
  }
}

/** Waits until no run of `contextId` is unfinished. */
async function settled(browser: CookieClient, contextId: string): Promise<void> {
  await expect
    .poll(async () => (await browser.trpc.context.get.query({ contextId })).status)
    .toBe("idle");
}

describeEachDialect("statements per request on a turn's path", (suite) => {
  beforeAll(async () => {
    server = await startTestServer({ model: gatedModel() });
    viaHono = createServer(getRequestListener(server.app.fetch));
    await new Promise<void>((resolve) => viaHono.listen(0, "127.0.0.1", resolve));
    honoUrl = `http://127.0.0.1:${(viaHono.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    viaHono.closeAllConnections();
    await new Promise((resolve) => viaHono.close(resolve));
    await server.close();
  });

  it("opening an event stream reads the agent session once, slot and check together", async () => {
    const browsers = [await agentBrowser(server, GROUP), (await signinBrowser(server)).browser];
    for (const browser of browsers) {
      // A conversation with a turn in it: the stream's first event proves the procedure ran.
      const { context } = await browser.trpc.context.create.mutate({
        title: "Followed",
        firstMessage: "hello there",
      });
      await settled(browser, context.id);
      // The server's own stream path, and the same app's through Hono and tRPC's adapter.
      for (const client of [browser, new CookieClient(honoUrl, browser.origin, browser.cookies)]) {
        let stream: Awaited<ReturnType<typeof openEvents>> | undefined;
        const count = await counted(async () => {
          stream = await openEvents(client, context.id);
          expect(stream.status).toBe(200);
          expect(await stream.next()).toMatchObject({ id: 1 });
        });
        stream?.close();
        // Closed before the next count: an open stream's session re-check reads sessions too.
        await expect.poll(() => server.openStreams()).toBe(0);
        expect(count.matching(AGENT_SESSION)).toBe(1);
        // A signin session also reads its sign-in (the auth session), once.
        expect(count.all.length).toBeLessThanOrEqual(
          MOST.openStream[suite.dialect] + (browser === browsers[1] ? 1 : 0),
        );
      }
    }
  });

  it("a send reads the session and the running runs once, and takes its rates in one statement", async () => {
    const browser = await agentBrowser(server, GROUP);
    const first = (await browser.trpc.context.create.mutate({ title: "First" })).context;
    const second = (await browser.trpc.context.create.mutate({ title: "Second" })).context;
    // The second send's session has a run it started to account for: still one read.
    for (const contextId of [first.id, second.id]) {
      const count = await countedSend(browser, contextId);
      expect(count.matching(AGENT_SESSION)).toBe(1);
      expect(count.matching(RUNNING)).toBe(1);
      expect(count.matching(RATE_LIMIT)).toBe(suite.dialect === "postgres" ? 1 : 0);
      expect(count.all.length).toBeLessThanOrEqual(MOST.send[suite.dialect]);
      await settled(browser, contextId);
    }
  });

  it("a new conversation with a first message takes its four rates in one statement", async () => {
    const browser = await agentBrowser(server, GROUP);
    let release = () => {};
    const reached = new Promise<void>((resolve) => {
      gate = { reached: resolve, held: new Promise<void>((open) => (release = open)) };
    });
    let contextId = "";
    try {
      const count = await counted(async () => {
        const created = await browser.trpc.context.create.mutate({
          title: "Started",
          firstMessage: "hello there",
        });
        contextId = created.context.id;
        await reached;
      });
      expect(count.matching(AGENT_SESSION)).toBe(1);
      expect(count.matching(RATE_LIMIT)).toBe(suite.dialect === "postgres" ? 1 : 0);
    } finally {
      gate = null;
      release();
    }
    await settled(browser, contextId);
  });

  it("context.list runs the session read and the page, nothing else", async () => {
    const { browser } = await signinBrowser(server);
    const staticBrowser = await agentBrowser(server, GROUP);
    await staticBrowser.trpc.context.create.mutate({ title: "Listed" });
    const count = await counted(() => staticBrowser.trpc.context.list.query({}));
    expect(count.matching(AGENT_SESSION)).toBe(1);
    expect(count.all.length).toBeLessThanOrEqual(MOST.list[suite.dialect]);
    // A signin session also reads the sign-in behind it, once.
    const signin = await counted(() => browser.trpc.context.list.query({}));
    expect(signin.matching(AGENT_SESSION)).toBe(1);
    expect(signin.all.length).toBeLessThanOrEqual(MOST.list[suite.dialect] + 1);
  });
});
