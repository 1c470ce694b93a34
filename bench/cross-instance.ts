// 7. Cross-instance latency: two app servers (instances A and B) on one PostgreSQL database; a
// context's event stream is open on both, a message is sent on A (the run executes there), and
// each event's arrival on B's stream is set against its arrival on A's. A hears of its own
// commits in-process (its bus); B only through PostgreSQL (NOTIFY, then a read of the log).
import { startServer } from "./lib/child.ts";
import {
  type Browser,
  batchedMutation,
  eventHeaders,
  eventsUrl,
  mutation,
  openBrowser,
} from "./lib/http.ts";
import { openSse, type SseEvent, type SseStream } from "./lib/sse.ts";
import {
  type BenchOptions,
  compared,
  fmt,
  named,
  percentile,
  type Section,
  single,
} from "./report.ts";

const BENCHMARK = "7. cross-instance";
/** How long B may lag behind A's run.finished before a turn counts as not delivered. */
const LAG_TIMEOUT_MS = 3000;

/** One instance's view of a context: each event's id and arrival, in the order received. */
interface Watch {
  events: { id: string; at: number }[];
  connected: Promise<void>;
  finished: Promise<void>;
  onEvent(event: SseEvent): void;
}

function watch(): Watch {
  let connect: (() => void) | undefined;
  let finish: (() => void) | undefined;
  const state: Watch = {
    events: [],
    connected: new Promise((resolve) => {
      connect = resolve;
    }),
    finished: new Promise((resolve) => {
      finish = resolve;
    }),
    onEvent(event) {
      if (event.event === "connected") return connect?.();
      if (event.id === undefined) return;
      state.events.push({ id: event.id, at: event.at });
      if (event.data.includes('"run.finished"')) finish?.();
    },
  };
  return state;
}

function timeout(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
}

interface Turn {
  /** Per event of the turn: arrival on B - arrival on A (ms); only events both received. */
  lags: number[];
  /** From the send on A to its first event on A and on B (ms); NaN if it never came. */
  firstOnA: number;
  firstOnB: number;
  /** Events on A, and whether B received exactly them, in the same order. */
  eventsOnA: number;
  sameOnB: boolean;
}

async function turn(a: Browser, b: Browser, contextId: string): Promise<Turn> {
  const onA = watch();
  const onB = watch();
  const streams: SseStream[] = [];
  try {
    streams.push(
      await openSse(eventsUrl(a, contextId), { headers: eventHeaders(a), onEvent: onA.onEvent }),
      await openSse(eventsUrl(b, contextId), { headers: eventHeaders(b), onEvent: onB.onEvent }),
    );
    await Promise.all([onA.connected, onB.connected]);
    const start = performance.now();
    await mutation(a, "context.send", { contextId, text: "stream 5 words" });
    await onA.finished;
    await Promise.race([onB.finished, timeout(LAG_TIMEOUT_MS)]);
    const arrivedOnA = new Map(onA.events.map((event) => [event.id, event.at]));
    const lags = onB.events.flatMap(({ id, at }) => {
      const atA = arrivedOnA.get(id);
      return atA === undefined ? [] : [at - atA];
    });
    return {
      lags,
      firstOnA: (onA.events[0]?.at ?? Number.NaN) - start,
      firstOnB: (onB.events[0]?.at ?? Number.NaN) - start,
      eventsOnA: onA.events.length,
      sameOnB:
        onB.events.length === onA.events.length &&
        onB.events.every((event, i) => event.id === onA.events[i]!.id),
    };
  } finally {
    for (const stream of streams) stream.close();
  }
}

export async function crossInstance(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const turns = options.quick ? 50 : 300;
  const warmUp = options.quick ? 10 : 30;
  // One database for both: the instances share it, as behind a load balancer.
  const databaseUrl = await options.database();
  const serverA = await startServer("app", { databaseUrl });
  const serverB = await startServer("app", { databaseUrl });
  const lags: number[] = [];
  const firstOnA: number[] = [];
  const firstOnB: number[] = [];
  let events = 0;
  let delivered = 0;
  let complete = 0;
  let measured = 0;
  let stoppedAfter = 0;
  try {
    const a = await openBrowser(serverA.url, serverA.info.apiKey!);
    // The same browser session on the other instance: the session is a row in the database.
    const b: Browser = { url: serverB.url, cookie: a.cookie };
    const contexts = await batchedMutation<{ context: { id: string } }>(
      a,
      "context.create",
      Array.from({ length: warmUp + turns }, () => ({})),
    );
    let silent = 0;
    for (const [i, { context }] of contexts.entries()) {
      const result = await turn(a, b, context.id);
      // Without cross-instance delivery B hears nothing: say so after a few turns, not 300.
      silent = result.lags.length === 0 ? silent + 1 : 0;
      if (silent === 5) {
        options.log("  5 turns in a row without an event on B: stopping");
        stoppedAfter = i + 1;
        break;
      }
      if (i < warmUp) continue;
      measured++;
      lags.push(...result.lags);
      firstOnA.push(result.firstOnA);
      firstOnB.push(result.firstOnB);
      events += result.eventsOnA;
      delivered += result.lags.length;
      if (result.sameOnB) complete++;
    }
  } finally {
    await Promise.all([serverA.stop(), serverB.stop()]);
  }
  options.log(
    `  arrival on B - arrival on A: p50 ${fmt(percentile(lags, 50))} ms, p99 ${fmt(percentile(lags, 99))} ms; ${delivered} of ${events} events`,
  );
  const goal = { text: "p50 <= 5 ms", met: percentile(lags, 50) <= 5 };
  if (stoppedAfter > 0 && lags.length === 0) {
    return {
      title: NAME,
      rows: [
        single(
          NAME,
          "commit on A to arrival on B, p50 (ms)",
          `no event reached B in ${stoppedAfter} turns`,
          { text: goal.text, met: false },
        ),
      ],
      notes: [
        `No event of the runs on A arrived on B's stream within ${LAG_TIMEOUT_MS / 1000} s of ` +
          `the run's end on A, ${stoppedAfter} turns in a row: this build does not carry live ` +
          "events across instances.",
      ],
    };
  }
  return {
    title: NAME,
    rows: [
      single(
        NAME,
        "commit on A to arrival on B, p50 (ms), at least",
        lags.length > 0 ? fmt(percentile(lags, 50)) : "no event",
        lags.length > 0 ? goal : { text: goal.text, met: false },
      ),
      single(
        NAME,
        "commit on A to arrival on B, p99 (ms), at least",
        lags.length > 0 ? fmt(percentile(lags, 99)) : "no event",
      ),
      compared(
        NAME,
        "send on A to its first event, p50 (ms): on B vs on A",
        percentile(firstOnB, 50),
        percentile(firstOnA, 50),
      ),
      compared(
        NAME,
        "send on A to its first event, p99 (ms): on B vs on A",
        percentile(firstOnB, 99),
        percentile(firstOnA, 99),
      ),
      single(
        NAME,
        "turns whose events all reached B, in order, once",
        `${complete} of ${measured}`,
        { text: "all", met: measured > 0 && complete === measured },
      ),
    ],
    notes: [
      "Two app servers (instances A and B), each its own process with its own pool, on one " +
        `PostgreSQL database. ${turns} turns after ${warmUp} warm-up turns, one at a time, each ` +
        "on a fresh context whose event stream (context.events over SSE) is open on A and on B " +
        "with the same browser session; the message is sent on A (so the run executes on A) " +
        "asking the builtin model for 5 words (no delay), and the turn ends when run.finished " +
        `has arrived on both (or ${LAG_TIMEOUT_MS / 1000} s after it arrived on A).`,
      "Commit on A to arrival on B: for every event of a turn, its arrival on B's stream minus " +
        "its arrival on A's, on this process's clock. A publishes each commit to its own streams " +
        "in-process right after the commit, B learns of it through PostgreSQL (LISTEN/NOTIFY " +
        "wake-up, then a read of the log), so this is the cross-instance path's cost and a lower " +
        "bound of commit-to-arrival on B (short by A's own delivery time, the in-process bus and " +
        "the SSE write). The send-to-first-event rows bound it from above for the turn's first " +
        "event: the clock starts before the send, so before its commit. " +
        `Events that reached B: ${delivered} of ${events}.`,
    ],
  };
}
