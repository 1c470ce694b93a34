// Single tRPC queries and mutations answered on node:http (trpc-direct.ts) answer exactly as
// Hono and tRPC's fetch adapter do: the same status, headers (in the same order) and body,
// successes, refusals and malformed calls alike, alone or as a batch of one. Each request goes
// to the server (which takes it) and to the same app through Hono alone (`server.app`, a second
// server); `server.directCalls()` tells which requests the short way took. What a protection of
// the Hono pipeline refuses (a cross-origin POST, a body over the bound, a batch over the bound)
// the short way leaves to Hono, and the answer is Hono's.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAppRouter, createTRPCRouter, publicProcedure } from "@agent-access/api";
import { MemoryRateLimiter } from "@agent-access/auth";
import { describeEachDialect } from "@agent-access/db/testing";
import { getRequestListener } from "@hono/node-server";
import { afterEach, expect, it } from "vitest";
import { z } from "zod";
import {
  startTestServer,
  staticTicket,
  type TestServer,
  type TestServerOptions,
} from "../test/harness.ts";
import { TRPC_BODY_MAX_BYTES } from "./app.ts";
import { tuneHttpServer } from "./http-server.ts";

/** PUBLIC_URL of the test servers: an origin both servers accept. */
const ORIGIN = "http://localhost";

interface Sent {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send the body without Content-Length (chunked). */
  chunked?: boolean;
}

interface Answer {
  status: number;
  /** The raw header lines but Date, in order, names as sent. */
  headers: [string, string][];
  body: string;
}

/** One HTTP request, with its answer as it came over the wire (ids and secrets masked). */
function send(base: string, path: string, sent: Sent = {}): Promise<Answer> {
  const { method = sent.body === undefined ? "GET" : "POST", body, chunked = false } = sent;
  const headers: Record<string, string> = { ...sent.headers };
  if (body !== undefined && !chunked) headers["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const lines: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!;
          if (name.toLowerCase() === "date") continue;
          let value = res.rawHeaders[i + 1]!;
          // The cookie's secret differs from one exchange to the next.
          if (name.toLowerCase() === "set-cookie") value = value.replace(/=[^;]*/, "=…");
          lines.push([name, value]);
        }
        const body = Buffer.concat(chunks).toString();
        // Outside production an error carries its stack, whose length differs by the way taken.
        if (body.includes('"stack":')) {
          for (const line of lines) if (line[0] === "Content-Length") line[1] = "…";
        }
        resolve({ status: res.statusCode!, headers: lines, body: mask(body) });
      });
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A body with what differs from one call to the next (ids, times, stacks) masked. */
function mask(body: string): string {
  return body
    .replace(/"stack":"(?:[^"\\]|\\.)*"/g, '"stack":"…"')
    .replace(/"(\w*Id|id|\w*At)":("[^"]*"|\d+)/g, '"$1":"…"');
}

let server: TestServer;
let viaHono: Server;
let honoUrl: string;
let onInternalError: unknown[] = [];

/** The server, and the same app served by Hono alone. */
async function start(options: TestServerOptions = {}) {
  onInternalError = [];
  server = await startTestServer({
    exchangeFailures: new MemoryRateLimiter({ capacity: 3, refillIntervalMs: 60_000 }),
    onInternalError: (error) => onInternalError.push(error),
    ...options,
  });
  viaHono = createServer(getRequestListener(server.app.fetch));
  tuneHttpServer(viaHono);
  await new Promise<void>((resolve) => viaHono.listen(0, "127.0.0.1", resolve));
  honoUrl = `http://127.0.0.1:${(viaHono.address() as AddressInfo).port}`;
}

describeEachDialect("queries and mutations on node:http", () => {
  afterEach(async () => {
    await new Promise<void>((resolve) => {
      viaHono.closeAllConnections();
      viaHono.close(() => resolve());
    });
    await server.close();
  });

  /**
   * The same call through the short way and through Hono: the answers are the same, and the
   * short way took it (`taken`) or left it to Hono. `sent` may differ per way (a fresh context
   * for each), given the way's name.
   */
  async function both(
    path: string | ((way: "direct" | "hono") => Promise<string> | string),
    sent: Sent | ((way: "direct" | "hono") => Promise<Sent> | Sent),
    taken: boolean,
  ): Promise<Answer> {
    const pathOf = (way: "direct" | "hono") => (typeof path === "string" ? path : path(way));
    const sentOf = (way: "direct" | "hono") => (typeof sent === "function" ? sent(way) : sent);
    const before = server.directCalls();
    const direct = await send(server.url, await pathOf("direct"), await sentOf("direct"));
    expect(server.directCalls() - before, `taken: ${await pathOf("direct")}`).toBe(taken ? 1 : 0);
    const hono = await send(honoUrl, await pathOf("hono"), await sentOf("hono"));
    expect(direct).toEqual(hono);
    return direct;
  }

  /** A browser's agent session: its cookie and origin, as headers. */
  async function signedIn(): Promise<Record<string, string>> {
    const { ticket } = await staticTicket(server);
    const response = await fetch(`${server.url}/trpc/session.exchange`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ ticket }),
    });
    const cookie = response.headers.getSetCookie()[0]!.split(";")[0]!;
    return { cookie, origin: ORIGIN };
  }

  const json = { "content-type": "application/json" };
  const query = (input: unknown) => `?input=${encodeURIComponent(JSON.stringify(input))}`;

  /** A new conversation of the session, its id. */
  async function newContext(session: Record<string, string>): Promise<string> {
    const response = await fetch(`${server.url}/trpc/context.create`, {
      method: "POST",
      headers: { ...session, ...json },
      body: "{}",
    });
    const { result } = (await response.json()) as {
      result: { data: { context: { id: string } } };
    };
    return result.data.context.id;
  }

  it("answers the ticket exchange, alone or as a batch of one, as the adapter does", async () => {
    await start();
    const ticketBody = async () => JSON.stringify({ ticket: (await staticTicket(server)).ticket });
    for (const batch of [false, true]) {
      const answer = await both(
        `/trpc/session.exchange${batch ? "?batch=1" : ""}`,
        async () => ({
          headers: { ...json, origin: ORIGIN },
          body: batch ? `{"0":${await ticketBody()}}` : await ticketBody(),
        }),
        true,
      );
      expect(answer.status).toBe(200);
      const cookie = answer.headers.find(([name]) => name === "set-cookie");
      expect(cookie?.[1]).toContain("HttpOnly");
      const result = JSON.parse(answer.body);
      expect(batch ? result[0] : result).toMatchObject({
        result: { data: { contextGroup: "workspace:1:user:1" } },
      });
    }
  });

  it("answers queries, alone or as a batch of one, as the adapter does", async () => {
    await start();
    const session = await signedIn();
    const contextId = await newContext(session);
    const cases: [string, Record<string, string>, number][] = [
      ["/trpc/health", {}, 200],
      ["/trpc/session.current", session, 200],
      ["/trpc/session.current", {}, 200],
      [`/trpc/context.list${query({ limit: 5 })}`, session, 200],
      [`/trpc/context.get${query({ contextId })}`, session, 200],
      [
        `/trpc/context.get?batch=1&input=${encodeURIComponent(`{"0":{"contextId":"${contextId}"}}`)}`,
        session,
        200,
      ],
      [
        `/trpc/context.get?input=${encodeURIComponent(`{"contextId":"${contextId}"}`)}&batch=1`,
        session,
        400,
      ],
      [`/trpc/context.get${query({ contextId: "nope" })}`, session, 404],
      [`/trpc/context.get${query({ contextId: 5 })}`, session, 400],
      ["/trpc/context.get?input=%7B", session, 400],
      ["/trpc/context.get?input=", session, 400],
      ["/trpc/context.get", session, 400],
      ["/trpc/context.get?batch=1&input=5", session, 400],
      ["/trpc/context.get?batch=1", session, 400],
      [`/trpc/context.messages${query({ contextId })}`, session, 200],
    ];
    for (const [path, headers, status] of cases) {
      const answer = await both(path, { headers }, true);
      expect(answer.status, path).toBe(status);
      expect(answer.headers).toContainEqual(["x-content-type-options", "nosniff"]);
      expect(answer.headers).toContainEqual(["cache-control", "no-store"]);
    }
  });

  it("answers mutations, their refusals and malformed calls as the adapter does", async () => {
    await start();
    const session = await signedIn();
    const headers = { ...session, ...json };
    const contexts = { direct: await newContext(session), hono: await newContext(session) };
    const cases: [string, (way: "direct" | "hono") => string, number][] = [
      ["/trpc/context.create", () => "{}", 200],
      ["/trpc/context.create?batch=1", () => '{"0":{"title":"batched"}}', 200],
      ["/trpc/context.rename", (way) => `{"contextId":"${contexts[way]}","title":"Hi"}`, 200],
      ["/trpc/context.send", (way) => `{"contextId":"${contexts[way]}","text":"hello"}`, 200],
      ["/trpc/context.send", (way) => `{"contextId":"${contexts[way]}","text":" "}`, 400],
      ["/trpc/context.send", () => '{"contextId":"nope","text":"hello"}', 404],
      ["/trpc/context.rename", () => '{"contextId":5}', 400],
      ["/trpc/context.create", () => "{", 400],
      ["/trpc/context.create", () => "", 400],
      ["/trpc/context.create?batch=1", () => "[]", 400],
      ["/trpc/context.create?batch=1", () => "{}", 400],
      ["/trpc/context.create", () => "\uFEFF{}", 200],
      ["/trpc/auth.signIn", () => '{"email":"a@example.com","password":"wrong-password"}', 401],
    ];
    for (const [path, body, status] of cases) {
      const answer = await both(path, (way) => ({ headers, body: body(way) }), true);
      expect(answer.status, `${path} ${body("direct")}`).toBe(status);
    }
    // Without a session: the middleware refuses before the input is read.
    const refused = await both(
      "/trpc/context.create",
      { headers: { ...json, origin: ORIGIN }, body: "{" },
      true,
    );
    expect(refused.status).toBe(401);
  });

  it("answers past the failure limit with 429 and Retry-After, as the adapter does", async () => {
    await start();
    const guess = { headers: { ...json, origin: ORIGIN }, body: '{"ticket":"aat_guess"}' };
    for (let i = 0; i < 3; i++) {
      expect((await send(server.url, "/trpc/session.exchange", guess)).status).toBe(401);
    }
    const answer = await both("/trpc/session.exchange", guess, true);
    expect(answer.status).toBe(429);
    expect(answer.headers.find(([name]) => name === "retry-after")?.[1]).toMatch(/^\d+$/);
  });

  it("counts failures by the client IP as Hono's routes do, X-Forwarded-For only behind a proxy", async () => {
    for (const trustProxy of [false, true]) {
      await start({ trustProxy });
      const guess = (from: string) => ({
        headers: { ...json, origin: ORIGIN, "x-forwarded-for": `10.0.0.1, ${from}` },
        body: '{"ticket":"aat_guess"}',
      });
      for (let i = 0; i < 3; i++) {
        expect(
          (await send(server.url, "/trpc/session.exchange", guess("203.0.113.1"))).status,
        ).toBe(401);
      }
      // Another address behind the proxy is another bucket; without one it is the same socket.
      const other = await both("/trpc/session.exchange", guess("203.0.113.2"), true);
      expect(other.status).toBe(trustProxy ? 401 : 429);
      await new Promise<void>((resolve) => {
        viaHono.closeAllConnections();
        viaHono.close(() => resolve());
      });
      await server.close();
    }
    await start();
  });

  it("answers 503 with Retry-After while the database is out of reach, and logs internal errors", async () => {
    const unreachable = () =>
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const probe = createTRPCRouter({
      outage: publicProcedure.query(() => {
        throw unreachable();
      }),
      down: publicProcedure.mutation(() => {
        throw unreachable();
      }),
      broken: publicProcedure.input(z.object({ n: z.number() })).query(() => {
        throw new Error("a bug");
      }),
      streamy: publicProcedure.query(() => ({ later: Promise.resolve(1) })),
    });
    await start({ router: createAppRouter({ probe }) });
    for (const [path, sent] of [
      ["/trpc/probe.outage", {}],
      ["/trpc/probe.down", { headers: { ...json, origin: ORIGIN }, body: "{}" }],
    ] as const) {
      const answer = await both(path, sent, true);
      expect(answer.status).toBe(503);
      expect(answer.headers).toContainEqual(["retry-after", expect.stringMatching(/^\d+$/)]);
    }
    expect(onInternalError).toEqual([]);

    const broken = await both(`/trpc/probe.broken${query({ n: 1 })}`, {}, true);
    expect(broken.status).toBe(500);
    // Logged once by each way.
    expect(onInternalError.map((error) => (error as Error).message)).toEqual(["a bug", "a bug"]);

    for (const path of ["/trpc/probe.streamy", "/trpc/probe.streamy?batch=1"]) {
      expect((await both(path, {}, true)).status).toBe(415);
    }
    expect(onInternalError).toHaveLength(2);
  });

  it("takes a call within the protections, and leaves to Hono what one refuses", async () => {
    await start();
    const session = await signedIn();
    const create = "/trpc/context.create";
    const headers = { ...session, ...json };
    const count = async () =>
      JSON.parse(
        (await send(server.url, `/trpc/context.list${query({ limit: 100 })}`, { headers: session }))
          .body,
      ).result.data.items.length;
    // Same origin, and a body of exactly the bound: taken (its title is too long for zod).
    const title = (bytes: number) => `{"title":"${"x".repeat(bytes - '{"title":""}'.length)}"}`;
    expect((await both(create, { headers, body: "{}" }, true)).status).toBe(200);
    expect((await both(create, { headers, body: title(TRPC_BODY_MAX_BYTES) }, true)).status).toBe(
      400,
    );
    const contexts = await count();
    const refusals: [string, Sent, number][] = [
      // The same-origin check: another origin, a cookie without any origin.
      [
        create,
        { headers: { ...session, ...json, origin: "https://evil.example" }, body: "{}" },
        403,
      ],
      [create, { headers: { cookie: session.cookie!, ...json }, body: "{}" }, 403],
      [
        create,
        {
          headers: { cookie: session.cookie!, ...json, "sec-fetch-site": "cross-site" },
          body: "{}",
        },
        403,
      ],
      // The body bound, declared: refused before it is read, and the connection closed.
      [
        create,
        {
          headers: { ...session, ...json },
          body: `{"title":"${"x".repeat(TRPC_BODY_MAX_BYTES)}"}`,
        },
        413,
      ],
      // The batch bound.
      [
        `/trpc/${Array(11).fill("context.create").join(",")}?batch=1`,
        { headers: { ...session, ...json }, body: "{}" },
        400,
      ],
    ];
    for (const [path, sent, status] of refusals) {
      const answer = await both(path, sent, false);
      expect(answer.status, path).toBe(status);
      expect(answer.headers).toContainEqual(["x-content-type-options", "nosniff"]);
      if (status === 413) expect(answer.headers).toContainEqual(["connection", "close"]);
    }
    expect(await count()).toBe(contexts);
  });

  it("leaves to Hono every call it does not take, answered as before", async () => {
    await start();
    expect((await both("/trpc/health", {}, true)).status).toBe(200);
    const session = await signedIn();
    const headers = { ...session, ...json };
    const contextId = await newContext(session);
    const others: [string, Sent, number][] = [
      // A body of unknown length, counted by Hono's bound as it arrives.
      ["/trpc/context.create", { headers, body: "{}", chunked: true }, 200],
      // A batch of two; another query parameter; the streaming link.
      ["/trpc/health,health?batch=1", {}, 200],
      ["/trpc/health?x=1", {}, 200],
      [
        "/trpc/context.create?batch=1",
        { headers: { ...headers, "trpc-accept": "application/jsonl" }, body: "{}" },
        200,
      ],
      // The wrong method, content type or path.
      ["/trpc/context.create", { headers: session }, 405],
      [`/trpc/context.get${query({ contextId })}`, { method: "POST", headers, body: "{}" }, 405],
      [
        "/trpc/context.create",
        { headers: { ...session, "content-type": "text/plain" }, body: "{}" },
        415,
      ],
      ["/trpc/nothing.here", {}, 404],
      ["/trpc/health/", {}, 200],
      ["/trpc/health", { method: "HEAD" }, 204],
    ];
    for (const [path, sent, status] of others) {
      const answer = await both(path, sent, false);
      expect(answer.status, path).toBe(status);
    }
  });
});
