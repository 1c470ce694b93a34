// The database lost while the server runs: requests answer 503 saying to retry (tRPC, the REST
// host API, tickets, the health check), and everything works again once PostgreSQL is back,
// with no restart. The server process reaches PostgreSQL through a TCP proxy the test cuts
// (ending its sessions and refusing new ones) and opens again; the shared cluster keeps running.
import { all, createApiKey, get, transaction, value } from "@agent-access/db";
import { describeEachDialect, startTcpProxy } from "@agent-access/db/testing";
import { afterEach, expect, it } from "vitest";
import { CookieClient, mintStaticTicket, refusal } from "../test/harness.ts";
import { type ServerProcess, startServerProcess } from "../test/server-process.ts";

const GROUP = "tenant:acme:user:7";

describeEachDialect("the database out of reach", (suite) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(env: Record<string, string>): Promise<ServerProcess> {
    const server = await startServerProcess({ production: false, env });
    cleanups.push(() => server.stop());
    return server;
  }

  if (suite.dialect === "sqlite") {
    it("the health check answers 200 with the schema version", async () => {
      const server = await start({});
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", schemaVersion: expect.any(Number) });
    });
    return;
  }

  it("answers 503 while PostgreSQL is unreachable and recovers when it is back", async () => {
    const db = await suite.open();
    const url = suite.urlOf(db)!;
    const target = new URL(url);
    const proxy = await startTcpProxy({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    cleanups.push(() => proxy.close());
    const server = await start({ DATABASE_URL: proxy.via(url) });

    const { key } = await createApiKey(db, "outage");
    const { ticket } = await mintStaticTicket(server, key, GROUP);
    const browser = new CookieClient(server.url);
    await browser.trpc.session.exchange.mutate({ ticket });
    const { context } = await browser.trpc.context.create.mutate({});
    const hostApi = (path: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      });
    expect((await hostApi(`/v1/contexts/${context.id}`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // PostgreSQL goes away for this server: its sessions are killed and it cannot open new ones.
    const ports = proxy.upstreamPorts();
    expect(ports.length).toBeGreaterThan(0);
    proxy.cut();
    await all(
      db,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY(?)",
      [ports],
    );

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({
      status: "unavailable",
      message: expect.stringMatching(/database cannot be reached/),
    });

    const query = await refusal(browser.trpc.context.list.query({}));
    expect(query).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect(query.message).toMatch(/database cannot be reached right now: try again/);
    const mutation = await refusal(
      browser.trpc.context.send.mutate({ contextId: context.id, text: "hello" }),
    );
    expect(mutation).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });

    const rest = await hostApi(`/v1/contexts/${context.id}`);
    expect(rest.status).toBe(503);
    expect(rest.headers.get("retry-after")).toBe("2");
    expect(await rest.json()).toEqual({
      error: { code: "service_unavailable", message: expect.stringMatching(/try again/) },
      code: "service_unavailable",
      message: expect.stringMatching(/try again/),
    });
    const minted = await hostApi("/session/tickets", {
      method: "POST",
      body: JSON.stringify({ context_group: GROUP }),
    });
    expect(minted.status).toBe(503);
    expect(((await minted.json()) as { code: string }).code).toBe("service_unavailable");

    // Back: the same process serves again, the health check first.
    proxy.open();
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${server.url}/healthz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`no recovery:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await browser.trpc.context.list.query({})).toMatchObject({
      items: [expect.objectContaining({ id: context.id })],
    });
    const sent = await browser.trpc.context.send.mutate({ contextId: context.id, text: "hello" });
    expect(sent.runId).toEqual(expect.any(String));
    expect((await hostApi(`/v1/contexts/${context.id}`)).status).toBe(200);
    expect(server.output()).not.toMatch(/Internal Server Error|TypeError/);
  });

  it("answers 503 with Retry-After when the pool has no free connection, and writes nothing", async () => {
    const db = await suite.open();
    // A pool of 2 whose queries wait 300 ms for a connection.
    const server = await start({
      DATABASE_URL: suite.urlOf(db)!,
      DATABASE_POOL_SIZE: "2",
      DATABASE_POOL_WAIT_MS: "300",
    });
    const { key } = await createApiKey(db, "pool");
    const { ticket } = await mintStaticTicket(server, key, GROUP);
    const browser = new CookieClient(server.url);
    await browser.trpc.session.exchange.mutate({ ticket });
    const { context } = await browser.trpc.context.create.mutate({});
    const userMessages = () =>
      value<number>(
        db,
        "SELECT count(*) AS n FROM message WHERE context_id = ? AND role = 'user'",
        [context.id],
      );

    // The test holds the context's row: the server's two sends each take a connection for their
    // transaction and wait on the lock, which leaves the pool empty for a third.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = transaction(db, async (tx) => {
      await get(tx, "SELECT id FROM context WHERE id = ? FOR UPDATE", [context.id]);
      locked();
      await held;
    });
    await isLocked;
    const blocked = [1, 2].map((n) =>
      browser.trpc.context.send.mutate({ contextId: context.id, text: `blocked ${n}` }).then(
        () => "sent",
        (error: unknown) => error,
      ),
    );
    const deadline = Date.now() + 10_000;
    while (
      (await value<number>(
        db,
        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      )) !== 2
    ) {
      if (Date.now() > deadline) throw new Error(`the sends did not wait:\n${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const refused = await refusal(
      browser.trpc.context.send.mutate({ contextId: context.id, text: "no connection" }),
    );
    expect(refused).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect(refused.message).toMatch(/try again/);
    expect(refused.headers.get("retry-after")).toBe("2");

    release();
    await holder;
    // Of the two waiting sends, one started the turn and the other found the agent busy.
    const outcomes = await Promise.all(blocked);
    expect(outcomes.filter((outcome) => outcome === "sent")).toHaveLength(1);
    expect(await userMessages()).toBe(1);
    const texts = await all<{ parts: string }>(
      db,
      "SELECT parts FROM message WHERE context_id = ? AND role = 'user'",
      [context.id],
    );
    expect(texts[0]!.parts).not.toContain("no connection");

    // The process lives on and serves.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await browser.trpc.context.get.query({ contextId: context.id })).toMatchObject({
      id: context.id,
    });
    expect(server.output()).not.toMatch(/Unhandled|unhandled|TypeError/);
  });
});
