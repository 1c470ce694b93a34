// 4. Concurrency: many contexts streaming at once from one server process (builtin model at a
// model-like pace), and many idle subscriptions held open; against a node:http server streaming
// the same model output with the same batching, and holding as many idle SSE responses.
import { execSync } from "node:child_process";
import { type BenchServer, startServer } from "./lib/child.ts";
import { type Browser, batchedMutation, eventHeaders, eventsUrl, openBrowser } from "./lib/http.ts";
import { openSse, type SseEvent, type SseStream } from "./lib/sse.ts";
import {
  type BenchOptions,
  compared,
  fmt,
  named,
  percentile,
  type Row,
  type Section,
  single,
} from "./report.ts";
import type { MemoryFigures } from "./servers/ipc.ts";

const BENCHMARK = "4. concurrency";

/** A level failed (a refused call, the server gone): the figures so far are reported. */
class LevelFailed extends Error {}
/** The model's pause before each word: 50 tokens/s per stream, the pace of a fast hosted model. */
export const TOKEN_DELAY_MS = 20;
/** kB = 1,000 bytes, as everywhere in this report. */
const KB = 1000;
/** How long a level may take before the streams still running count as not completed. */
const LEVEL_TIMEOUT_MS = 240_000;

interface Watch {
  tokens: number;
  gaps: number[];
  lastTokenAt: number;
  finished: "completed" | "other" | null;
  connected: Promise<void>;
  done: Promise<void>;
  onEvent(event: SseEvent): void;
}

function watch(onToken?: () => void): Watch {
  let connect: (() => void) | undefined;
  let finish: (() => void) | undefined;
  const state: Watch = {
    tokens: 0,
    gaps: [],
    lastTokenAt: 0,
    finished: null,
    connected: new Promise((resolve) => {
      connect = resolve;
    }),
    done: new Promise((resolve) => {
      finish = resolve;
    }),
    onEvent(event) {
      if (event.event === "connected") return connect?.();
      const isDelta = event.data.includes('"message.delta"');
      if (isDelta || event.data.includes('"message.part"')) {
        const data = JSON.parse(event.data) as { text?: string; part?: { text?: string } };
        const text = isDelta ? data.text : data.part?.text;
        if (!text) return;
        for (const word of text.split(" ")) {
          if (!word) continue;
          state.tokens++;
          onToken?.();
        }
        if (state.lastTokenAt) state.gaps.push(event.at - state.lastTokenAt);
        state.lastTokenAt = event.at;
      } else if (event.data.includes('"run.finished"')) {
        state.finished = event.data.includes('"completed"') ? "completed" : "other";
        finish?.();
      }
    },
  };
  return state;
}

export interface LevelFigures {
  completed: number;
  p99GapMs: number;
  rssPerStream: number;
  heapPerStream: number;
  seconds: number;
  /**
   * The live measure (a level run with `live`): JS heap + external memory after full garbage
   * collections once half the words have arrived, minus the same before the streams opened, per
   * stream; and RSS the same way.
   */
  live: { heldPerStream: number; rssPerStream: number } | null;
}

/** Calls `reached` once `count` tokens have arrived, over all streams. */
function halfway(count: number, reached: () => void): () => void {
  let seen = 0;
  return () => {
    if (++seen === count) reached();
  };
}

/**
 * With `live`, the server's memory after full collections once half the words have arrived
 * (`await` the answer after the level); the collections pause the server, so a level measured
 * this way reports memory only, not its gaps.
 */
function liveProbe(server: BenchServer, live: boolean, tokens: number) {
  let probe: Promise<MemoryFigures> | null = null;
  const onToken = live
    ? halfway(Math.floor(tokens / 2), () => {
        probe = server.memory();
      })
    : undefined;
  return {
    onToken,
    async figures(before: MemoryFigures, n: number): Promise<LevelFigures["live"]> {
      if (!probe) return null;
      const mid = await (probe as Promise<MemoryFigures>);
      return {
        heldPerStream: (mid.heapUsed + mid.external - before.heapUsed - before.external) / n,
        rssPerStream: (mid.rss - before.rss) / n,
      };
    },
  };
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens `count` streams, `batch` at a time (a thousand SYNs at once would only queue). */
export async function openMany<Stream extends SseStream>(
  count: number,
  open: (index: number) => Promise<Stream>,
  batch = 100,
): Promise<Stream[]> {
  const streams: Stream[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    streams.push(...(await Promise.all(Array.from({ length: size }, (_, i) => open(start + i)))));
  }
  return streams;
}

async function figures(
  server: BenchServer,
  watches: Watch[],
  started: number,
  before: { rss: number; heapUsed: number },
  words: number,
): Promise<Omit<LevelFigures, "live">> {
  // A server that dies mid-level ends it at once (peakStop then fails the benchmark).
  await within(
    Promise.race([Promise.all(watches.map((w) => w.done)), server.exited]),
    LEVEL_TIMEOUT_MS,
  );
  const seconds = (performance.now() - started) / 1000;
  const peak = await server.peakStop();
  const n = watches.length;
  return {
    // After a timeout the streams still running count as not completed.
    completed: watches.filter((w) => w.finished === "completed" && w.tokens === words).length,
    p99GapMs: percentile(
      watches.flatMap((w) => w.gaps),
      99,
    ),
    rssPerStream: (peak.rss - before.rss) / n,
    heapPerStream: (peak.heapUsed - before.heapUsed) / n,
    seconds,
  };
}

/**
 * One level of the real app: n contexts streaming a reply of `words` words at once. `live`: a
 * pass for the live memory measure (liveProbe), whose gaps are not reported.
 */
export async function appLevel(
  server: BenchServer,
  browser: Browser,
  n: number,
  words: number,
  live = false,
): Promise<LevelFigures> {
  const contexts = await batchedMutation<{ context: { id: string } }>(
    browser,
    "context.create",
    Array.from({ length: n }, () => ({})),
  );
  const before = await server.memory();
  const probe = liveProbe(server, live, n * words);
  const watches = contexts.map(() => watch(probe.onToken));
  const streams = await openMany(n, (i) =>
    openSse(eventsUrl(browser, contexts[i]!.context.id), {
      headers: eventHeaders(browser),
      onEvent: watches[i]!.onEvent,
    }),
  );
  await Promise.all(watches.map((w) => w.connected));
  server.peakStart();
  const started = performance.now();
  await batchedMutation(
    browser,
    "context.send",
    contexts.map(({ context }) => ({ contextId: context.id, text: `stream ${words} words` })),
    // All batches at once: the streams start together, as with one batch before the batch limit.
    undefined,
    Number.POSITIVE_INFINITY,
  );
  const result = await figures(server, watches, started, before, words);
  for (const stream of streams) stream.close();
  return { ...result, live: await probe.figures(before, n) };
}

async function rawLevel(
  server: BenchServer,
  n: number,
  words: number,
  live = false,
): Promise<LevelFigures> {
  const before = await server.memory();
  const probe = liveProbe(server, live, n * words);
  const watches = Array.from({ length: n }, () => watch(probe.onToken));
  server.peakStart();
  const started = performance.now();
  const streams = await openMany(n, (i) =>
    openSse(`${server.url}/stream?words=${words}&windowMs=50`, { onEvent: watches[i]!.onEvent }),
  );
  const result = await figures(server, watches, started, before, words);
  for (const stream of streams) stream.close();
  return { ...result, live: await probe.figures(before, n) };
}

interface IdleFigures {
  held: number;
  rss: number;
  /** The server's CPU time while the streams stay idle, in ms per second (with `cpuWindowMs`). */
  cpuMsPerSecond: number | null;
  /** The streams, still open: the caller closes them. */
  streams: SseStream[];
}

/**
 * Memory each idle subscription holds: the server's JS heap and external memory after full
 * garbage collections, before and after; RSS the same way (noisier: freed pages return late).
 */
async function idle(
  server: BenchServer,
  n: number,
  open: (index: number) => Promise<SseStream>,
  cpuWindowMs = 0,
): Promise<IdleFigures> {
  const before = await server.memory();
  const streams = await openMany(n, open);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await server.memory();
  let cpuMsPerSecond: number | null = null;
  if (cpuWindowMs > 0) {
    const start = await server.cpuMs();
    const startedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, cpuWindowMs));
    cpuMsPerSecond = ((await server.cpuMs()) - start) / ((performance.now() - startedAt) / 1000);
  }
  return {
    held: (after.heapUsed + after.external - before.heapUsed - before.external) / n,
    rss: (after.rss - before.rss) / n,
    cpuMsPerSecond,
    streams,
  };
}

/** How long the server's CPU is measured while the idle streams stay open: three re-checks. */
const IDLE_CPU_WINDOW_MS = 15_000;

function closeAll(figures: IdleFigures | null): void {
  for (const stream of figures?.streams.splice(0) ?? []) stream.close();
}

/** The soft limit on open files of this process and the servers it starts (same shell). */
function openFilesLimit(): string {
  try {
    return execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim();
  } catch {
    return "unknown";
  }
}

/** Opens a stream and resolves once its first event (tRPC's "connected") has arrived. */
function waitForFirstEvent(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    let stream: SseStream | undefined;
    let seen = false;
    const timer = setTimeout(() => reject(new Error(`no first event from ${url}`)), 30_000);
    const settle = () => {
      if (!seen || !stream) return;
      clearTimeout(timer);
      resolve(stream);
    };
    openSse(url, {
      headers,
      onEvent: () => {
        seen = true;
        settle();
      },
    }).then((opened) => {
      stream = opened;
      settle();
    }, reject);
  });
}

export async function concurrency(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const levels = options.quick ? [100] : [100, 500, 1000];
  const words = options.quick ? 50 : 100;
  const idleCount = options.quick ? 2000 : 10_000;
  /** The empty tRPC subscriptions, at most 2,000: at about 50 kB each, enough to tell. */
  const emptyCount = Math.min(idleCount, 2000);
  /** Replies streaming while the idle subscriptions stay open. */
  const mixedCount = options.quick ? 200 : 1000;
  const rows: Row[] = [];
  const notes: string[] = [];

  const raw = await startServer("raw", {
    tokenDelayMs: TOKEN_DELAY_MS,
    databaseUrl: await options.database(),
  });
  const app = await startServer("app", {
    tokenDelayMs: TOKEN_DELAY_MS,
    databaseUrl: await options.database(),
  });
  const rawFigures = new Map<number, LevelFigures>();
  const appFigures = new Map<number, LevelFigures>();
  let rawIdle: IdleFigures | null = null;
  let appIdle: IdleFigures | null = null;
  let trpcIdle: IdleFigures | null = null;
  let rawMixed: LevelFigures | null = null;
  let appMixed: LevelFigures | null = null;
  /** The same mixed level again, for the live memory measure only (liveProbe). */
  let rawMixedLive: LevelFigures | null = null;
  let appMixedLive: LevelFigures | null = null;
  /** The level that failed (the app server refused the load or died), and how. */
  let failed: { level: number; error: string } | null = null;
  try {
    const browser = await openBrowser(app.url, app.info.apiKey!);
    await rawLevel(raw, 50, 20); // warm-up
    await appLevel(app, browser, 50, 20);
    // Level by level, the baseline and then the subject, each alone on the machine.
    for (const n of levels) {
      rawFigures.set(n, await rawLevel(raw, n, words));
      try {
        appFigures.set(n, await appLevel(app, browser, n, words));
      } catch (error) {
        options.log(`  ${n} streams: ${String(error)}`);
        failed = { level: n, error: String(error) };
        break;
      }
      options.log(`  ${n} streams: ${JSON.stringify(appFigures.get(n))}`);
    }
    if (failed) throw new LevelFailed();
    trpcIdle = await idle(app, emptyCount, () => waitForFirstEvent(`${app.url}/bench/trpc/idle`));
    closeAll(trpcIdle);
    // The idle subscriptions stay open while replies stream beside them, in both servers.
    rawIdle = await idle(
      raw,
      idleCount,
      () => waitForFirstEvent(`${raw.url}/idle`),
      IDLE_CPU_WINDOW_MS,
    );
    rawMixed = await rawLevel(raw, mixedCount, words);
    rawMixedLive = await rawLevel(raw, mixedCount, words, true);
    closeAll(rawIdle);
    const contexts = await batchedMutation<{ context: { id: string } }>(
      browser,
      "context.create",
      Array.from({ length: idleCount }, () => ({})),
    );
    appIdle = await idle(
      app,
      idleCount,
      (i) => waitForFirstEvent(eventsUrl(browser, contexts[i]!.context.id), eventHeaders(browser)),
      IDLE_CPU_WINDOW_MS,
    );
    try {
      appMixed = await appLevel(app, browser, mixedCount, words);
      appMixedLive = await appLevel(app, browser, mixedCount, words, true);
    } catch (error) {
      options.log(`  ${idleCount} idle + ${mixedCount} streams: ${String(error)}`);
      failed = { level: -mixedCount, error: String(error) };
    }
    options.log(`  ${idleCount} idle + ${mixedCount} streams: ${JSON.stringify(appMixed)}`);
    closeAll(appIdle);
  } catch (error) {
    if (!(error instanceof LevelFailed)) throw error;
  } finally {
    closeAll(rawIdle);
    closeAll(appIdle);
    closeAll(trpcIdle);
    await Promise.all([raw.stop(), app.stop()]);
  }
  // Set inside the loop above, which the compiler does not follow into the catch.
  const failure = failed as { level: number; error: string } | null;

  for (const n of levels) {
    const subject = appFigures.get(n);
    const baseline = rawFigures.get(n);
    if (!subject || !baseline) {
      if (failure && n === failure.level) {
        rows.push(
          single(
            NAME,
            `${n} streams: completed`,
            "failed",
            n === 1000 ? { text: "all, no error", met: false } : undefined,
          ),
        );
        notes.push(
          `${n} streams: the level failed (${failure.error.slice(0, 300)}); the levels after it ` +
            "and the idle figures were not measured.",
        );
      }
      continue;
    }
    const all = n === 1000 ? { text: "all, no error", met: subject.completed === n } : undefined;
    rows.push({
      benchmark: NAME,
      metric: `${n} streams: completed`,
      subject: `${subject.completed}/${n}`,
      baseline: `${baseline.completed}/${n}`,
      ratio: "",
      goal: all?.text ?? "",
      met: all ? (all.met ? "yes" : "no") : "",
    });
    rows.push(
      compared(
        NAME,
        `${n} streams: p99 gap between deltas (ms)`,
        subject.p99GapMs,
        baseline.p99GapMs,
      ),
    );
    rows.push(
      compared(
        NAME,
        `${n} streams: memory per stream (kB)`,
        subject.rssPerStream / KB,
        baseline.rssPerStream / KB,
      ),
    );
    notes.push(
      `${n} streams: all done in ${fmt(subject.seconds)} s (baseline ${fmt(baseline.seconds)} s); ` +
        `JS heap per stream ${fmt(subject.heapPerStream / KB)} kB (baseline ${fmt(baseline.heapPerStream / KB)} kB).`,
    );
  }
  const mixed = `${idleCount} idle + ${mixedCount} replying`;
  if (appMixed && rawMixed) {
    const goal = !options.quick;
    rows.push({
      benchmark: NAME,
      metric: `${mixed}: completed`,
      subject: `${appMixed.completed}/${mixedCount}`,
      baseline: `${rawMixed.completed}/${mixedCount}`,
      ratio: "",
      goal: goal ? "all, no error" : "",
      met: goal ? (appMixed.completed === mixedCount ? "yes" : "no") : "",
    });
    rows.push(
      compared(NAME, `${mixed}: p99 gap between deltas (ms)`, appMixed.p99GapMs, rawMixed.p99GapMs),
    );
    rows.push(
      compared(
        NAME,
        `${mixed}: memory per replying stream (kB)`,
        appMixed.rssPerStream / KB,
        rawMixed.rssPerStream / KB,
        { text: "< 150 kB", met: (_ratio, subject) => subject < 150 },
      ),
    );
    const appLive = appMixedLive?.live;
    const rawLive = rawMixedLive?.live;
    if (appLive && rawLive) {
      rows.push(
        compared(
          NAME,
          `${mixed}: memory per replying stream, live at mid-reply (kB)`,
          appLive.heldPerStream / KB,
          rawLive.heldPerStream / KB,
          { text: "< 150 kB", met: (_ratio, subject) => subject < 150 },
        ),
      );
      notes.push(
        `${mixed}, live memory (a second pass of the same level, its gaps not used): JS heap + ` +
          "external memory after full garbage collections once half the words had arrived, " +
          "minus the same before the streams opened, per replying stream; RSS the same way: " +
          `${fmt(appLive.rssPerStream / KB)} kB (baseline ${fmt(rawLive.rssPerStream / KB)} kB).`,
      );
    }
    notes.push(
      `${mixed}: all done in ${fmt(appMixed.seconds)} s (baseline ${fmt(rawMixed.seconds)} s); ` +
        `JS heap per replying stream ${fmt(appMixed.heapPerStream / KB)} kB (baseline ` +
        `${fmt(rawMixed.heapPerStream / KB)} kB).`,
    );
  } else if (failure && failure.level < 0) {
    rows.push(single(NAME, `${mixed}: completed`, "failed", { text: "all, no error", met: false }));
    notes.push(`${mixed}: the level failed (${failure.error.slice(0, 300)}).`);
  }
  if (appIdle && rawIdle && trpcIdle) {
    rows.push(
      compared(
        NAME,
        `${idleCount} idle subscriptions: memory each (kB)`,
        appIdle.held / KB,
        rawIdle.held / KB,
        {
          text: "< 20 kB",
          met: (_ratio, subject) => subject < 20,
        },
      ),
    );
    if (appIdle.cpuMsPerSecond !== null && rawIdle.cpuMsPerSecond !== null) {
      rows.push(
        compared(
          NAME,
          `${idleCount} idle subscriptions: server CPU while idle (ms per s)`,
          appIdle.cpuMsPerSecond,
          rawIdle.cpuMsPerSecond,
        ),
      );
    }
    rows.push(
      compared(
        NAME,
        `${emptyCount} idle empty tRPC subscriptions, same server: memory each (kB)`,
        trpcIdle.held / KB,
        rawIdle.held / KB,
      ),
    );
  }
  notes.unshift(
    (options.quick
      ? `--quick: 100 streams, ${idleCount} idle subscriptions and ${mixedCount} replies beside ` +
        "them, so the goals of 1,000 streams are not judged here; the full run does 100, 500 " +
        "and 1,000 streams, 10,000 idle and 1,000 replies beside them. "
      : "") +
      `Levels ${levels.join(", ")}: that many contexts of one agent session, each with its ` +
      "event stream (context.events over SSE) open, then a message sent to every one of them " +
      `(context.send, batched) asking for ${words} words; the builtin model pauses ` +
      `${TOKEN_DELAY_MS} ms before each word (50 tokens/s per stream, a fast hosted model's ` +
      "pace). Completed: run.finished completed with every word received, within " +
      `${LEVEL_TIMEOUT_MS / 1000} s of the sends. Gap: time between ` +
      "two text events of one stream at the client; the engine batches text in 50 ms windows, " +
      "so about 50 ms is the design and more is the server falling behind. Memory per stream: " +
      "(peak RSS of the server process during the level, sampled every 20 ms - RSS before the " +
      "streams opened) / streams. Baseline: node:http streaming the same model output through " +
      "streamText with the same 50 ms batching, one GET per stream. " +
      `Idle: ${idleCount} contexts each with an open event stream and nothing happening; the ` +
      "server's JS heap + external memory after full garbage collections, minus the same " +
      "before the streams opened, per subscription; the baseline holds as many idle node:http " +
      "SSE responses. Server CPU while idle: the server's CPU time over " +
      `${IDLE_CPU_WINDOW_MS / 1000} s with those streams open and nothing else happening (pings ` +
      "and the session re-check of open streams), per second. " +
      `Then, with those ${idleCount} still open, ${mixedCount} more contexts ` +
      "stream a reply each as in the levels above, in the same process (the baseline streams " +
      `as many beside as many idle responses); memory per replying stream as above, from RSS ` +
      `with the idle ones already open. The empty tRPC subscription (${emptyCount} of them; ` +
      "bench/servers/stream-off.ts, tRPC's fetch adapter over Hono beside the app's routes) " +
      "yields nothing and waits for the client to leave: it tells what tRPC's own SSE over Hono " +
      "holds by itself, which the app's event streams no longer go through " +
      "(apps/server/src/event-streams.ts). " +
      (appIdle && rawIdle
        ? "RSS the same way (noisy: freed pages go back to the system late): " +
          `${fmt(appIdle.rss / KB)} kB each (baseline ${fmt(rawIdle.rss / KB)} kB). `
        : "") +
      "All streams are read by this one process over " +
      "keep-alive sockets, the server in a child process; both share the machine's 2 cores. " +
      `Open files: soft limit ${openFilesLimit()} per process (client and server each hold ` +
      `one socket per stream: ${idleCount + mixedCount} at the mixed level).`,
  );
  return { title: NAME, rows, notes };
}
