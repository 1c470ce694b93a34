// 2. Turn overhead: from context.send to the first token of the reply on the context's SSE stream
// (builtin model, no delay), against a node:http POST that answers with one SSE event.
import { type BenchServer, startServer } from "./lib/child.ts";
import {
  type Browser,
  batchedMutation,
  eventHeaders,
  eventsUrl,
  mutation,
  openBrowser,
} from "./lib/http.ts";
import { openSse, type SseEvent } from "./lib/sse.ts";
import {
  type BenchOptions,
  compared,
  fmt,
  named,
  percentile,
  type Section,
  single,
} from "./report.ts";

const BENCHMARK = "2. turn overhead";

/** The first token of a reply: the text part that opens it, or a delta appended to it. */
function isFirstToken(event: SseEvent): boolean {
  if (!event.data.includes('"message.part"') && !event.data.includes('"message.delta"')) {
    return false;
  }
  const data = JSON.parse(event.data) as { type: string; part?: { type: string } };
  return data.type === "message.delta" || data.part?.type === "text";
}

/** One turn: the stream is open (as in a UI), then the clock runs from send to first token. */
export async function turn(
  browser: Browser,
  contextId: string,
): Promise<{ firstToken: number; answered: number }> {
  let firstToken: ((at: number) => void) | undefined;
  let finished: (() => void) | undefined;
  const tokenAt = new Promise<number>((resolve) => {
    firstToken = resolve;
  });
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  let connected: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const stream = await openSse(eventsUrl(browser, contextId), {
    headers: eventHeaders(browser),
    onEvent: (event) => {
      if (event.event === "connected") connected?.();
      else if (isFirstToken(event)) firstToken?.(event.at);
      else if (event.data.includes('"run.finished"')) finished?.();
    },
  });
  await ready;
  const start = performance.now();
  await mutation(browser, "context.send", { contextId, text: "stream 5 words" });
  const answered = performance.now() - start;
  const at = await tokenAt;
  await done;
  stream.close();
  return { firstToken: at - start, answered };
}

async function baselineTurn(url: string): Promise<number> {
  const start = performance.now();
  let first: ((at: number) => void) | undefined;
  const at = new Promise<number>((resolve) => {
    first = resolve;
  });
  const stream = await openSse(`${url}/turn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ contextId: "ctx_baseline", text: "stream 5 words" }),
    onEvent: (event) => first?.(event.at),
  });
  const elapsed = (await at) - start;
  await stream.ended;
  return elapsed;
}

/**
 * `turns` turns after `warmUp` more, each ours on a fresh context (so that no turn carries the
 * history of the ones before it) and one of the other server's, taking turns so that a busy
 * moment of the machine falls on both; with each server's CPU time over the measured turns.
 */
export async function alternateTurns(
  browser: Browser,
  ours: BenchServer,
  other: BenchServer,
  { turns, warmUp }: { turns: number; warmUp: number },
  theirTurn: () => Promise<number>,
): Promise<{
  turns: { ours: { firstToken: number; answered: number }; theirs: number }[];
  cpu: { ours: number; theirs: number };
}> {
  const contexts = await batchedMutation<{ context: { id: string } }>(
    browser,
    "context.create",
    Array.from({ length: warmUp + turns }, () => ({})),
  );
  const measured: { ours: { firstToken: number; answered: number }; theirs: number }[] = [];
  const cpu = { ours: 0, theirs: 0 };
  for (const [i, { context }] of contexts.entries()) {
    if (i === warmUp) {
      cpu.theirs -= await other.cpuMs();
      cpu.ours -= await ours.cpuMs();
    }
    const theirs = await theirTurn();
    const elapsed = await turn(browser, context.id);
    if (i >= warmUp) measured.push({ ours: elapsed, theirs });
  }
  cpu.theirs += await other.cpuMs();
  cpu.ours += await ours.cpuMs();
  return { turns: measured, cpu };
}

export async function turnOverhead(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const turns = options.quick ? 100 : 400;
  const warmUp = options.quick ? 20 : 50;
  const raw = await startServer("raw", { databaseUrl: await options.database() });
  const app = await startServer("app", { databaseUrl: await options.database() });
  const baseline: number[] = [];
  const subject: number[] = [];
  /** When the send's own answer arrived, for the split of the subject's time. */
  const answered: number[] = [];
  const cpu = { app: 0, raw: 0 };
  try {
    const browser = await openBrowser(app.url, app.info.apiKey!);
    const measured = await alternateTurns(browser, app, raw, { turns, warmUp }, () =>
      baselineTurn(raw.url),
    );
    for (const { ours, theirs } of measured.turns) {
      baseline.push(theirs);
      subject.push(ours.firstToken);
      answered.push(ours.answered);
    }
    cpu.app = measured.cpu.ours;
    cpu.raw = measured.cpu.theirs;
  } finally {
    await Promise.all([raw.stop(), app.stop()]);
  }
  options.log(
    `  send to first token p50 ${percentile(subject, 50).toFixed(2)} ms, baseline ${percentile(baseline, 50).toFixed(2)} ms`,
  );

  return {
    title: NAME,
    rows: [
      compared(
        NAME,
        "send to first token p50 (ms)",
        percentile(subject, 50),
        percentile(baseline, 50),
        {
          text: "<= 2x baseline",
          met: (ratio) => ratio <= 2,
        },
      ),
      single(
        NAME,
        "send to its own response (the mutation), p50 (ms)",
        fmt(percentile(answered, 50)),
      ),
      compared(
        NAME,
        "send to first token p99 (ms)",
        percentile(subject, 99),
        percentile(baseline, 99),
      ),
      compared(NAME, "server CPU per turn (ms)", cpu.app / turns, cpu.raw / turns),
    ],
    notes: [
      `${turns} turns after ${warmUp} warm-up turns, one at a time (a baseline turn, then a ` +
        "subject turn, and so on), each on a fresh context whose " +
        "event stream (context.events over SSE) is already open, as in a chat UI. The clock runs " +
        "from just before the context.send POST until the first token (the message.part that " +
        "opens the reply's text) arrives on the stream; the reply is then read to run.finished " +
        "before the next turn. Model: builtin, no token delay. Baseline: a node:http POST whose " +
        "answer is one SSE event, timed from the request to that event. Client and server in " +
        "separate processes, the same client code (node:http, keep-alive) for both. The send's own " +
        "response is when the context.send mutation's answer arrived (the user message, the run " +
        "and their events committed, the run started), on the same clock. Server CPU per " +
        "turn: the server process's user + system time over the measured turns, divided by " +
        "their number (the subject's turn also opens and closes the event stream and streams " +
        "the whole 5-word reply; the baseline's is its one request).",
    ],
  };
}
