// The ticket exchange's short way through tRPC (trpc-direct.ts) answers exactly as tRPC's fetch
// adapter does: the same statuses, bodies and headers, successes, refusals and malformed calls
// alike, alone or as a batch of one. Each request is sent twice over HTTP: as it is, which the
// short way takes, and with a query parameter tRPC ignores, which leaves it to the adapter.
import { MemoryRateLimiter } from "@agent-access/auth";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { startTestServer, staticTicket, type TestServer } from "../test/harness.ts";

let server: TestServer;

describeEachDialect("the exchange's short way", () => {
  beforeEach(async () => {
    server = await startTestServer({
      exchangeFailures: new MemoryRateLimiter({ capacity: 3, refillIntervalMs: 60_000 }),
    });
  });
  afterEach(() => server.close());

  interface Answer {
    status: number;
    body: unknown;
    headers: Record<string, string | null>;
  }

  const HEADERS = [
    "content-type",
    "vary",
    "retry-after",
    "x-content-type-options",
    "cache-control",
    "content-length",
  ];

  /** POSTs `body` to session.exchange, `batch` as a batch of one; `viaAdapter` adds `x=1`. */
  async function exchange(
    body: string | undefined,
    { batch = false, viaAdapter = false, contentType = "application/json" } = {},
  ): Promise<Answer> {
    const query = [batch ? "batch=1" : "", viaAdapter ? "x=1" : ""].filter(Boolean).join("&");
    const response = await fetch(`${server.url}/trpc/session.exchange${query ? `?${query}` : ""}`, {
      method: "POST",
      headers: { "content-type": contentType, origin: server.url },
      body,
    });
    const text = await response.text();
    const headers = Object.fromEntries(HEADERS.map((name) => [name, response.headers.get(name)]));
    const cookie = response.headers.get("set-cookie");
    // The cookie's secret and the session's ids differ from one exchange to the next.
    headers["set-cookie"] = cookie?.replace(/agent_session=[^;]+/, "agent_session=…") ?? null;
    headers["content-length"] = null;
    // Outside production an error carries its stack, which names the path it took.
    const unstacked = text.replace(/"stack":"(?:[^"\\]|\\.)*"/g, '"stack":"…"');
    return {
      status: response.status,
      body: JSON.parse(unstacked.replace(/"(sessionId|expiresAt)":("[^"]*"|\d+)/g, '"$1":"…"')),
      headers,
    };
  }

  /** The same call answered by the short way and by the adapter. */
  async function both(body: () => Promise<string | undefined>, options = {}) {
    const direct = await exchange(await body(), options);
    const adapter = await exchange(await body(), { ...options, viaAdapter: true });
    expect(direct).toEqual(adapter);
    return direct;
  }

  const ticketBody = async () => JSON.stringify({ ticket: (await staticTicket(server)).ticket });

  it("answers a valid ticket with the session and its HttpOnly cookie, as the adapter does", async () => {
    for (const batch of [false, true]) {
      const answer = await both(
        async () => (batch ? `{"0":${await ticketBody()}}` : await ticketBody()),
        { batch },
      );
      expect(answer.status).toBe(200);
      expect(answer.headers["set-cookie"]).toContain("HttpOnly");
      const result = batch ? (answer.body as unknown[])[0] : answer.body;
      expect(result).toMatchObject({ result: { data: { contextGroup: "workspace:1:user:1" } } });
    }
  });

  it("answers refusals and malformed calls as the adapter does", async () => {
    const cases: [string | undefined, { batch?: boolean; contentType?: string }, number][] = [
      [JSON.stringify({ ticket: "aat_unknown" }), {}, 401],
      [JSON.stringify({ ticket: 5 }), {}, 400],
      [JSON.stringify({ ticket: "" }), { batch: true }, 400],
      ["{", {}, 400],
      ["", {}, 400],
      ["5", { batch: true }, 400],
      ["[]", { batch: true }, 400],
      [JSON.stringify({ 0: { ticket: "aat_unknown" } }), { batch: true }, 401],
      [JSON.stringify({ ticket: "aat_unknown" }), { contentType: "text/plain" }, 415],
    ];
    // Unknown tickets are failures that count: a bucket per case, so none reaches the limit.
    for (const [body, options, status] of cases) {
      server.clock.advance(600_000);
      const answer = await both(async () => body, options);
      expect(answer.status, String(body)).toBe(status);
    }
  });

  it("answers past the failure limit with 429 and Retry-After, as the adapter does", async () => {
    const guess = async () => JSON.stringify({ ticket: "aat_guess" });
    for (let i = 0; i < 3; i++) expect((await exchange(await guess())).status).toBe(401);
    const answer = await both(guess);
    expect(answer.status).toBe(429);
    expect(answer.headers["retry-after"]).toMatch(/^\d+$/);
  });
});
