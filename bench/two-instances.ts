// 9. Two instances against one on the ticket path: the load of benchmark 1 (a backend mints a
// ticket, a browser exchanges it) on one app server, and on two app servers sharing one
// PostgreSQL database behind the bench's client, which deals its connections between them in
// turn (a load balancer without sticky sessions). Both set-ups take turns, round by round.
import { startServer } from "./lib/child.ts";
import { type BenchOptions, compared, median, named, type Section, single } from "./report.ts";
import { type Figures, load, record } from "./ticket-path.ts";

const BENCHMARK = "9. two instances";
/** Twice benchmark 1's: enough requests in flight to keep two servers busy. */
const CONNECTIONS = 20;
/** The app's PUBLIC_URL in the bench servers: an Origin both instances accept. */
const PUBLIC_ORIGIN = "http://127.0.0.1";

export async function twoInstances(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const rounds = options.quick ? 3 : 6;
  const seconds = options.quick ? 1 : 2;
  const paths = { mint: "/session/tickets", exchange: "/trpc/session.exchange" };
  const alone = await startServer("app", { databaseUrl: await options.database() });
  const shared = await options.database();
  const pair = [
    await startServer("app", { databaseUrl: shared }),
    await startServer("app", { databaseUrl: shared }),
  ];
  const one: Figures = { requests: [], p50: [], p99: [], failed: 0, total: 0 };
  const two: Figures = { requests: [], p50: [], p99: [], failed: 0, total: 0 };
  const cpu = { one: 0, two: 0 };
  const cpuNow = async () => ({
    one: await alone.cpuMs(),
    two: (await pair[0]!.cpuMs()) + (await pair[1]!.cpuMs()),
  });
  const settings = { connections: CONNECTIONS, origin: PUBLIC_ORIGIN };
  try {
    await load(alone, paths, 1, settings);
    await load(pair, paths, 1, settings);
    for (let round = 0; round < rounds; round++) {
      const before = await cpuNow();
      record(one, await load(alone, paths, seconds, settings));
      const between = await cpuNow();
      record(two, await load(pair, paths, seconds, settings));
      const after = await cpuNow();
      cpu.one += between.one - before.one;
      cpu.two += after.two - between.two;
    }
  } finally {
    await Promise.all([alone.stop(), ...pair.map((server) => server.stop())]);
  }
  options.log(
    `  req/s per round: two ${two.requests.map(Math.round).join(", ")}; one ${one.requests.map(Math.round).join(", ")}`,
  );
  const perRequest = (ms: number, figures: Figures) => (ms * 1000) / figures.total;
  return {
    title: NAME,
    rows: [
      compared(
        NAME,
        "requests/s (mint + exchange): two instances vs one",
        median(two.requests),
        median(one.requests),
      ),
      compared(NAME, "latency p50 (ms): two vs one", median(two.p50), median(one.p50)),
      compared(NAME, "latency p99 (ms): two vs one", median(two.p99), median(one.p99)),
      compared(
        NAME,
        "server CPU per request (µs), all instances: two vs one",
        perRequest(cpu.two, two),
        perRequest(cpu.one, one),
      ),
      single(
        NAME,
        "failed requests (two; one)",
        `${two.failed} of ${two.total}; ${one.failed} of ${one.total}`,
      ),
    ],
    notes: [
      `Benchmark 1's load (autocannon, in this process), on ${CONNECTIONS} connections: each ` +
        "sends POST /session/tickets (API key) then POST /trpc/session.exchange with the ticket " +
        "just minted. One: one app server on its own PostgreSQL schema. Two: two app servers, " +
        "each its own process and pool (10 connections), on one shared schema; autocannon deals " +
        "its connections between them in turn (connection i to server i mod 2), so each " +
        "instance gets half the connections and both requests of a connection go to the same " +
        "instance (the multi-instance suite checks a mint on A exchanged on B). After a 1 s " +
        `warm-up of each, ${rounds} rounds of ${seconds} s, one and two taking turns; each ` +
        "figure is the median over the rounds of autocannon's figure for the round. Server CPU: " +
        "user + system time of the server processes over the measured rounds, per request.",
      "This machine has 2 cores, shared by the client, PostgreSQL and the servers: a second " +
        "instance here can only show whether the instances get in each other's way in the " +
        "database (locks, pool waits), not the throughput of a second machine.",
      `Requests/s per round: two ${two.requests.map(Math.round).join(", ")}; one ` +
        `${one.requests.map(Math.round).join(", ")}.`,
    ],
  };
}
