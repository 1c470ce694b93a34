// 8. AI SDK peer: the same turn through the app and through what a team would write instead,
// the AI SDK's own streamText(...).toUIMessageStreamResponse() in a plain Hono route
// (bench/servers/peer.ts: same builtin model, nothing stored, no sign-in). Ours persists every
// message and event and checks the session and the tenant on each call. Three figures: send to
// first token, tokens/s on a long reply, memory per active stream; the two take turns.
import { appLevel, type LevelFigures, openMany, TOKEN_DELAY_MS } from "./concurrency.ts";
import { type BenchServer, startServer } from "./lib/child.ts";
import { openBrowser } from "./lib/http.ts";
import { chatRequest, openUiMessageStream } from "./lib/ui-message-stream.ts";
import {
  type BenchOptions,
  compared,
  fmt,
  median,
  named,
  percentile,
  type Row,
  type Section,
  single,
} from "./report.ts";
import { TOKENS, throughRuntime, words } from "./stream-throughput.ts";
import { alternateTurns } from "./turn-overhead.ts";

const BENCHMARK = "8. AI SDK peer";
/** kB = 1,000 bytes, as everywhere in this report. */
const KB = 1000;
/** How long a level of concurrent replies may take. */
const LEVEL_TIMEOUT_MS = 240_000;

/** useChat's POST to the peer: the clock runs from the request to the first text-delta. */
async function peerTurn(url: string): Promise<number> {
  const start = performance.now();
  let first: ((at: number) => void) | undefined;
  const at = new Promise<number>((resolve) => {
    first = resolve;
  });
  const stream = await openUiMessageStream(`${url}/api/chat`, chatRequest("stream 5 words"), {
    onDelta: (_text, arrived) => first?.(arrived),
  });
  const elapsed = (await at) - start;
  if ((await stream.finished) !== "completed") throw new Error("the peer's turn did not finish");
  await stream.ended;
  return elapsed;
}

/** One reply of TOKENS words from the peer: tokens/s as the client receives them. */
async function peerThroughput(url: string): Promise<number> {
  let tokens = 0;
  let lastAt = 0;
  const start = performance.now();
  const stream = await openUiMessageStream(
    `${url}/api/chat`,
    chatRequest(`stream ${TOKENS} words`),
    {
      onDelta: (text, at) => {
        tokens += words(text);
        lastAt = at;
      },
    },
  );
  if ((await stream.finished) !== "completed") throw new Error("the peer's reply did not finish");
  await stream.ended;
  if (tokens !== TOKENS) throw new Error(`the peer sent ${tokens} of ${TOKENS} tokens`);
  return tokens / ((lastAt - start) / 1000);
}

/** n replies of `count` words from the peer at once: completed, and memory as appLevel's. */
async function peerLevel(server: BenchServer, n: number, count: number): Promise<LevelFigures> {
  const before = await server.memory();
  const received = Array.from({ length: n }, () => 0);
  server.peakStart();
  const started = performance.now();
  const streams = await openMany(n, (i) =>
    openUiMessageStream(`${server.url}/api/chat`, chatRequest(`stream ${count} words`), {
      onDelta: (text) => {
        received[i]! += words(text);
      },
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const outcomes = await Promise.race([
    Promise.all(streams.map((stream) => stream.finished)),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), LEVEL_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  const peak = await server.peakStop();
  for (const stream of streams) stream.close();
  return {
    completed: (outcomes ?? []).filter(
      (outcome, i) => outcome === "completed" && received[i] === count,
    ).length,
    // One event per word here against 50 ms batches in the app: gaps are not compared.
    p99GapMs: Number.NaN,
    rssPerStream: (peak.rss - before.rss) / n,
    heapPerStream: (peak.heapUsed - before.heapUsed) / n,
    seconds,
    live: null,
  };
}

export async function aiSdkPeer(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const turns = options.quick ? 100 : 400;
  const warmUp = options.quick ? 20 : 50;
  const replies = options.quick ? 2 : 5;
  const streams = options.quick ? 100 : 200;
  const streamWords = options.quick ? 50 : 100;
  const levels = options.quick ? 1 : 2;

  const first = { ours: [] as number[], peer: [] as number[] };
  const cpu = { ours: 0, peer: 0 };
  const rates = { ours: [] as number[], peer: [] as number[] };
  const memory = { ours: [] as LevelFigures[], peer: [] as LevelFigures[] };

  // The turn and the long reply: the model without delay, as in benchmarks 2 and 3.
  let app = await startServer("app", { databaseUrl: await options.database() });
  let peer = await startServer("peer");
  try {
    const browser = await openBrowser(app.url, app.info.apiKey!);
    const measured = await alternateTurns(browser, app, peer, { turns, warmUp }, () =>
      peerTurn(peer.url),
    );
    for (const { ours, theirs } of measured.turns) {
      first.peer.push(theirs);
      first.ours.push(ours.firstToken);
    }
    cpu.ours = measured.cpu.ours;
    cpu.peer = measured.cpu.theirs;

    await peerThroughput(peer.url); // warm-up
    await throughRuntime(browser);
    for (let i = 0; i < replies; i++) {
      rates.peer.push(await peerThroughput(peer.url));
      rates.ours.push(await throughRuntime(browser));
    }
  } finally {
    await Promise.all([app.stop(), peer.stop()]);
  }

  // Many replies at once, at a hosted model's pace, as in benchmark 4.
  app = await startServer("app", {
    tokenDelayMs: TOKEN_DELAY_MS,
    databaseUrl: await options.database(),
  });
  peer = await startServer("peer", { tokenDelayMs: TOKEN_DELAY_MS });
  try {
    const browser = await openBrowser(app.url, app.info.apiKey!);
    await peerLevel(peer, 50, 20); // warm-up
    await appLevel(app, browser, 50, 20);
    for (let i = 0; i < levels; i++) {
      memory.peer.push(await peerLevel(peer, streams, streamWords));
      memory.ours.push(await appLevel(app, browser, streams, streamWords));
    }
  } finally {
    await Promise.all([app.stop(), peer.stop()]);
  }

  const p50 = { ours: percentile(first.ours, 50), peer: percentile(first.peer, 50) };
  const rss = (levels: LevelFigures[]) => median(levels.map((level) => level.rssPerStream));
  const heap = (levels: LevelFigures[]) => median(levels.map((level) => level.heapPerStream));
  const completed = (levels: LevelFigures[]) =>
    levels.map((level) => `${level.completed}/${streams}`).join(", ");
  const list = (values: number[]) => values.map((value) => fmt(value)).join(", ");
  options.log(
    `  first token p50 ${fmt(p50.ours)} ms, peer ${fmt(p50.peer)} ms; tokens/s ` +
      `${fmt(median(rates.ours))}, peer ${fmt(median(rates.peer))}; kB per stream ` +
      `${fmt(rss(memory.ours) / KB)}, peer ${fmt(rss(memory.peer) / KB)}`,
  );

  const rows: Row[] = [
    compared(NAME, "send to first token p50 (ms): ours vs the peer", p50.ours, p50.peer, {
      text: "<= 1.5x the peer",
      met: (ratio) => ratio <= 1.5,
    }),
    compared(
      NAME,
      "send to first token p99 (ms)",
      percentile(first.ours, 99),
      percentile(first.peer, 99),
    ),
    compared(NAME, "server CPU per turn (ms)", cpu.ours / turns, cpu.peer / turns),
    compared(
      NAME,
      `tokens/s, one reply of ${TOKENS.toLocaleString("en-US")} tokens`,
      median(rates.ours),
      median(rates.peer),
      { text: ">= 0.8x the peer", met: (ratio) => ratio >= 0.8 },
    ),
    compared(
      NAME,
      `${streams} streams: memory per active stream (kB)`,
      rss(memory.ours) / KB,
      rss(memory.peer) / KB,
      { text: "<= 1.5x the peer", met: (ratio) => ratio <= 1.5 },
    ),
    {
      ...single(NAME, `${streams} streams: completed`, completed(memory.ours)),
      baseline: completed(memory.peer),
    },
  ];
  return {
    title: NAME,
    rows,
    notes: [
      "Subject (ours): the real app (bench/servers/app.ts), a turn as a chat UI makes it: the " +
        "context's event stream (context.events over SSE) open, then context.send, which " +
        "stores the user message, the run and their events, checks the session, the context's " +
        "group and the quotas; the reply is persisted as it streams (50 ms batches) and reaches " +
        "the stream through the event log. Baseline (the peer): the AI SDK's documented chat " +
        "route in a plain Hono app on @hono/node-server in its own process " +
        "(bench/servers/peer.ts): useChat's POST body (the UI messages), " +
        "convertToModelMessages, streamText with the same builtin model, " +
        "toUIMessageStreamResponse() (SSE, one text-delta event per word); no database, no " +
        "session, no tenant. Both read by the same node:http SSE client (bench/lib).",
      `First token: ${turns} turns each after ${warmUp} warm-up turns, one at a time, a peer ` +
        "turn then one of ours, and so on; ours on a fresh context each (as benchmark 2), the " +
        'clock from just before the send to the first text token at the client; "stream 5 ' +
        "words\", the model without delay. Server CPU per turn: the server process's user + " +
        "system time over the measured turns, divided by their number (ours also opens and " +
        "closes the event stream and names the conversation after the reply, a second model " +
        "call).",
      `Tokens/s: one reply of ${TOKENS.toLocaleString("en-US")} words (no delay), tokens ` +
        "received / (arrival of the last token - start of the request), median of " +
        `${replies} replies each after a warm-up, the two taking turns; ours as benchmark 3's ` +
        `persistence on. Runs: ours ${list(rates.ours)}; the peer ${list(rates.peer)}.`,
      `Memory per active stream: ${streams} replies of ${streamWords} words at once, the model ` +
        `pausing ${TOKEN_DELAY_MS} ms before each word (benchmark 4's pace); ours: ${streams} ` +
        "contexts with their event streams open, then the sends in batches; the peer: " +
        `${streams} POSTs. (Peak RSS of the server during the level - RSS after full garbage ` +
        "collections before it) / streams, as benchmark 4; after a warm-up level of 50 " +
        `streams of 20 words each, ${levels} level(s) each, taking turns, median. JS heap per ` +
        `stream: ours ${fmt(heap(memory.ours) / KB)} kB, the peer ${fmt(heap(memory.peer) / KB)} ` +
        `kB. Seconds per level: ours ${list(memory.ours.map((l) => l.seconds))}; the peer ` +
        `${list(memory.peer.map((l) => l.seconds))}.`,
    ],
  };
}
