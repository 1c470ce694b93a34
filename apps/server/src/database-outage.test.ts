// The database lost while the server runs: requests answer 503 saying to retry (tRPC, the REST
// host API, tickets, the health check), and everything works again once PostgreSQL is back,
// with no restart. The server process reaches PostgreSQL through a TCP proxy the test cuts
// (ending its sessions and refusing new ones) and opens again; the shared cluster keeps running.
import { all, createApiKey } from "@agent-access/db";
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
});
