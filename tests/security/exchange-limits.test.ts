// Issue #12 items 4 and 5: the failed-exchange limit per IP (10 at once, then one every 6 s).
// 4: batching bypassed it (1,800 guesses in two batches) because every call of a batch passed
//    the check before any failure was counted. Check and count must be one step per call.
// 5: one bad request every 6 s kept a whole NAT address locked, valid tickets included. The limit
//    is for failures: a valid ticket exchanges from a locked address; guesses stay refused.
import { MemoryRateLimiter } from "@agent-access/auth";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  CookieClient,
  startTestServer,
  staticTicket,
  type TestServer,
} from "../../apps/server/test/harness.ts";
import { recordFigures } from "./support/figures.ts";

const LIMIT = 10;
let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({
    exchangeFailures: new MemoryRateLimiter({ capacity: LIMIT, refillIntervalMs: 6_000 }),
  });
});
afterEach(() => server.close());

/** A batch of exchange calls (at most 10, the batch limit) with these tickets; their statuses. */
async function exchangeBatch(tickets: string[]): Promise<number[]> {
  const paths = tickets.map(() => "session.exchange").join(",");
  const body = Object.fromEntries(tickets.map((ticket, index) => [index, { ticket }]));
  const response = await new CookieClient(server.url).fetch(`/trpc/${paths}?batch=1`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const members = (await response.json()) as {
    result?: unknown;
    error?: { data: { httpStatus: number } };
  }[];
  return members.map((member) => member.error?.data.httpStatus ?? 200);
}

const guesses = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => `aat_guess${from + index}`);

const answered = (statuses: number[]) => statuses.filter((status) => status === 401).length;

it("counts every call of a batch: a batch gets as many answers as tokens are left, no more", async () => {
  // 9 failures spent one by one: one token left.
  for (const guess of guesses(0, 9)) expect(await exchangeBatch([guess])).toEqual([401]);
  const batch = await exchangeBatch(guesses(100, 10));
  expect(answered(batch)).toBe(1);
  expect(batch.filter((status) => status === 429)).toHaveLength(9);

  // The pattern: a batch each time a token has come back (every 6 s), for a minute.
  let total = 10;
  for (let round = 0; round < 10; round++) {
    server.clock.advance(6_000);
    const statuses = await exchangeBatch(guesses(200 + round * 10, 10));
    expect(answered(statuses)).toBe(1);
    total += answered(statuses);
  }
  // And concurrent batches at once, after the bucket refilled fully: 10 answers of 60.
  server.clock.advance(60_000);
  const concurrent = (
    await Promise.all(Array.from({ length: 6 }, (_, b) => exchangeBatch(guesses(400 + b * 10, 10))))
  ).flat();
  expect(answered(concurrent)).toBe(LIMIT);
  recordFigures("exchange-limit-batches", {
    guessesInBatches: 10 + 100 + 60,
    answeredOverElevenBatchesIn60s: total,
    answeredOfSixtyConcurrent: answered(concurrent),
  });
});

it("lets valid tickets exchange from an address that hit the limit, and still refuses guesses", async () => {
  // Another user behind the same address used up the failures.
  const locked = await exchangeBatch(guesses(0, 10));
  expect(locked.every((status) => status === 401)).toBe(true);
  expect(await exchangeBatch(guesses(10, 1))).toEqual([429]);

  const valid = await Promise.all(
    Array.from({ length: 3 }, async () => await staticTicket(server)),
  );
  const browser = new CookieClient(server.url);
  for (const { ticket } of valid) {
    const response = await browser.mutation("session.exchange", { ticket });
    expect(response.status).toBe(200);
  }
  // A valid ticket in a batch of guesses exchanges; the guesses beside it do not.
  const another = await staticTicket(server);
  expect(await exchangeBatch([...guesses(20, 4), another.ticket])).toEqual([
    429, 429, 429, 429, 200,
  ]);
  // A used ticket is not a valid one: refused like a guess.
  expect(await exchangeBatch([valid[0]!.ticket])).toEqual([429]);
});

it("does not count successful exchanges against the limit", async () => {
  const browser = new CookieClient(server.url);
  for (let i = 0; i < 15; i++) {
    const { ticket } = await staticTicket(server);
    expect((await browser.mutation("session.exchange", { ticket })).status).toBe(200);
  }
  const statuses = await exchangeBatch(guesses(0, 10));
  expect(statuses.every((status) => status === 401)).toBe(true);
});
