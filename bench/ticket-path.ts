// 1. Ticket path: a backend mints a ticket over REST and a browser exchanges it, back to back on
// each connection, driven by autocannon; against node:http handlers running the same SQL.
import autocannon from "autocannon";
import { type BenchServer, startServer } from "./lib/child.ts";
import { TICKET_REQUEST } from "./lib/http.ts";
import { type BenchOptions, compared, median, named, type Section, single } from "./report.ts";

const BENCHMARK = "1. ticket path";
export const CONNECTIONS = 10;

/** What one connection carries from the mint to the exchange. */
interface Sequence {
  ticket?: string;
}

export interface Paths {
  mint: string;
  exchange: string;
}

/**
 * `seconds` of ticket paths on `connections` connections to `server`, or spread over several
 * servers (connection i goes to server i mod n, as a connection-level load balancer would);
 * `origin` is the exchange's Origin header (default the server's own).
 */
export function load(
  server: BenchServer | BenchServer[],
  paths: Paths,
  seconds: number,
  { connections = CONNECTIONS, origin }: { connections?: number; origin?: string } = {},
): Promise<autocannon.Result> {
  const servers = Array.isArray(server) ? server : [server];
  const exchangeOrigin = origin ?? servers[0]!.url;
  return autocannon({
    // autocannon takes several URLs (its types say one) and deals connections among them.
    url: (servers.length === 1 ? servers[0]!.url : servers.map((s) => s.url)) as string,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        path: paths.mint,
        // Each server made its own API key; they share the database, so any one is good on all.
        headers: {
          authorization: `Bearer ${servers[0]!.info.apiKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(TICKET_REQUEST),
        onResponse: (_status, body, context) => {
          (context as Sequence).ticket = (JSON.parse(body) as { ticket: string }).ticket;
        },
      },
      {
        method: "POST",
        path: paths.exchange,
        headers: { origin: exchangeOrigin, "content-type": "application/json" },
        setupRequest: (request, context) => ({
          ...request,
          body: JSON.stringify({ ticket: (context as Sequence).ticket }),
        }),
      },
    ],
  });
}

export function failures(result: autocannon.Result): number {
  return result.errors + result.timeouts + result.non2xx;
}

export interface Figures {
  requests: number[];
  p50: number[];
  p99: number[];
  failed: number;
  total: number;
}

export function record(into: Figures, result: autocannon.Result): void {
  into.requests.push(result.requests.average);
  into.p50.push(result.latency.p50);
  into.p99.push(result.latency.p99);
  into.failed += failures(result);
  into.total += result.requests.total;
}

export async function ticketPath(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const rounds = options.quick ? 3 : 6;
  const seconds = options.quick ? 1 : 2;
  const rawPaths = { mint: "/tickets", exchange: "/exchange" };
  const appPaths = { mint: "/session/tickets", exchange: "/trpc/session.exchange" };
  const raw = await startServer("raw", { databaseUrl: await options.database() });
  const app = await startServer("app", { databaseUrl: await options.database() });
  const baseline: Figures = { requests: [], p50: [], p99: [], failed: 0, total: 0 };
  const subject: Figures = { requests: [], p50: [], p99: [], failed: 0, total: 0 };
  try {
    // Warm-up (JIT, statement caches, sockets), then short rounds taking turns, so that a busy
    // moment of this shared machine falls on both sides rather than on one.
    await load(raw, rawPaths, 1);
    await load(app, appPaths, 1);
    for (let round = 0; round < rounds; round++) {
      record(baseline, await load(raw, rawPaths, seconds));
      record(subject, await load(app, appPaths, seconds));
    }
  } finally {
    await Promise.all([raw.stop(), app.stop()]);
  }
  options.log(
    `  req/s per round: app ${subject.requests.join(", ")}; raw ${baseline.requests.join(", ")}`,
  );
  return {
    title: NAME,
    rows: [
      compared(
        NAME,
        "requests/s (mint + exchange)",
        median(subject.requests),
        median(baseline.requests),
        { text: ">= 0.5x baseline", met: (ratio) => ratio >= 0.5 },
      ),
      compared(NAME, "latency p50 (ms)", median(subject.p50), median(baseline.p50)),
      compared(NAME, "latency p99 (ms)", median(subject.p99), median(baseline.p99)),
      single(NAME, "failed requests", `${subject.failed} of ${subject.total}`),
    ],
    notes: [
      `autocannon, ${CONNECTIONS} connections, in this process; each server in its own child ` +
        "process. Each connection sends POST /session/tickets (API key) then POST " +
        "/trpc/session.exchange with the ticket just minted, so requests/s counts both (a " +
        "ticket path is two requests). After a 1 s warm-up of each, " +
        `${rounds} rounds of ${seconds} s, baseline and subject taking turns; each figure is the ` +
        "median over the rounds of autocannon's own figure for the round (mean requests/s; " +
        "latency percentiles over all requests, which autocannon gives in whole ms). The " +
        "baseline's node:http handlers run the same SQL through the same db functions (API key " +
        "look-up and last-used update, hashed ticket insert; ticket look-up, then consuming " +
        "UPDATE and session insert in one transaction) and skip Hono, tRPC, zod and the rules. " +
        `Baseline failed requests: ${baseline.failed} of ${baseline.total}.`,
      `Requests/s per round: subject ${subject.requests.map(Math.round).join(", ")}; baseline ` +
        `${baseline.requests.map(Math.round).join(", ")}.`,
    ],
  };
}
