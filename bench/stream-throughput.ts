// 3. Stream throughput: one 20,000-token reply of the builtin model (no delay), tokens per second
// delivered to the client, through the real runtime (persistence on), through the same tRPC SSE
// without the engine (persistence off), and through a raw node:http SSE writer.
import { type BenchServer, startServer } from "./lib/child.ts";
import { type Browser, eventHeaders, eventsUrl, mutation, openBrowser } from "./lib/http.ts";
import { openSse, type SseEvent } from "./lib/sse.ts";
import { type BenchOptions, compared, median, named, type Section, single } from "./report.ts";
import { modelDeltas } from "./servers/model-stream.ts";

const BENCHMARK = "3. stream throughput";
export const TOKENS = 20_000;

export function words(text: string): number {
  let count = 0;
  for (const word of text.split(" ")) if (word) count++;
  return count;
}

/** Counts the reply's tokens as they arrive; settles at the end with tokens per second. */
function tokenCounter(start: () => number) {
  let tokens = 0;
  let lastAt = 0;
  let finish: ((rate: number) => void) | undefined;
  const rate = new Promise<number>((resolve) => {
    finish = resolve;
  });
  return {
    rate,
    onEvent(event: SseEvent) {
      if (!event.data.startsWith('{"type":"message.')) {
        if (event.data.includes('"run.finished"')) {
          if (tokens !== TOKENS) throw new Error(`received ${tokens} of ${TOKENS} tokens`);
          finish?.(tokens / ((lastAt - start()) / 1000));
        }
        return;
      }
      const data = JSON.parse(event.data) as {
        type: string;
        text?: string;
        part?: { text?: string };
      };
      const text = data.type === "message.delta" ? data.text : data.part?.text;
      if (text) {
        tokens += words(text);
        lastAt = event.at;
      }
    },
  };
}

async function throughURL(url: string, headers: Record<string, string> = {}): Promise<number> {
  const start = performance.now();
  const counter = tokenCounter(() => start);
  const stream = await openSse(url, { headers, onEvent: counter.onEvent });
  const rate = await counter.rate;
  stream.close();
  return rate;
}

/** One reply of TOKENS words through the real runtime: tokens/s as the client receives them. */
export async function throughRuntime(browser: Browser): Promise<number> {
  const { context } = await mutation<{ context: { id: string } }>(browser, "context.create", {});
  let start = 0;
  const counter = tokenCounter(() => start);
  let connected: (() => void) | undefined;
  const ready = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const stream = await openSse(eventsUrl(browser, context.id), {
    headers: eventHeaders(browser),
    onEvent: (event) => (event.event === "connected" ? connected?.() : counter.onEvent(event)),
  });
  await ready;
  start = performance.now();
  await mutation(browser, "context.send", {
    contextId: context.id,
    text: `stream ${TOKENS} words`,
  });
  const rate = await counter.rate;
  stream.close();
  return rate;
}

async function modelAlone(): Promise<number> {
  const start = performance.now();
  let tokens = 0;
  for await (const delta of modelDeltas(TOKENS, 0)) tokens += words(delta);
  return tokens / ((performance.now() - start) / 1000);
}

interface PathFigures {
  rates: number[];
  /** Server CPU time per reply, ms. */
  cpu: number[];
}

export async function streamThroughput(options: BenchOptions): Promise<Section> {
  const NAME = named(BENCHMARK, options);
  const runs = options.quick ? 2 : 5;
  const fresh = (): PathFigures => ({ rates: [], cpu: [] });
  const paths = { rawBatched: fresh(), rawPerToken: fresh(), off: fresh(), on: fresh() };

  const model: number[] = [];
  await modelAlone();
  for (let i = 0; i < runs; i++) model.push(await modelAlone());

  const raw = await startServer("raw", { databaseUrl: await options.database() });
  const app = await startServer("app", { databaseUrl: await options.database() });
  try {
    const rawUrl = (windowMs: number) => `${raw.url}/stream?words=${TOKENS}&windowMs=${windowMs}`;
    const offUrl = `${app.url}/bench/trpc/stream?input=${encodeURIComponent(JSON.stringify({ words: TOKENS }))}`;
    const browser = await openBrowser(app.url, app.info.apiKey!);
    const replies: [BenchServer, () => Promise<number>, PathFigures][] = [
      [raw, () => throughURL(rawUrl(50)), paths.rawBatched],
      [raw, () => throughURL(rawUrl(0)), paths.rawPerToken],
      [app, () => throughURL(offUrl), paths.off],
      [app, () => throughRuntime(browser), paths.on],
    ];
    for (const [, reply] of replies) await reply(); // warm-up
    // Round by round, every path once, so that a busy moment of the machine falls on all.
    for (let i = 0; i < runs; i++) {
      for (const [server, reply, into] of replies) {
        const cpuBefore = await server.cpuMs();
        into.rates.push(await reply());
        into.cpu.push((await server.cpuMs()) - cpuBefore);
      }
    }
  } finally {
    await Promise.all([raw.stop(), app.stop()]);
  }
  const rate = (path: PathFigures) => median(path.rates);
  const cpu = (path: PathFigures) => median(path.cpu);
  options.log(
    `  tokens/s: model ${median(model).toFixed(0)}, raw ${rate(paths.rawBatched).toFixed(0)} ` +
      `(per token ${rate(paths.rawPerToken).toFixed(0)}), off ${rate(paths.off).toFixed(0)}, on ${rate(paths.on).toFixed(0)}`,
  );
  const list = (values: number[]) => values.map((value) => value.toFixed(0)).join(", ");

  return {
    title: NAME,
    rows: [
      compared(NAME, "tokens/s, persistence on vs off", rate(paths.on), rate(paths.off), {
        text: ">= 0.9x (persistence costs <= 10%)",
        met: (ratio) => ratio >= 0.9,
      }),
      compared(NAME, "tokens/s, whole path vs raw SSE", rate(paths.on), rate(paths.rawBatched), {
        text: ">= 0.5x raw SSE",
        met: (ratio) => ratio >= 0.5,
      }),
      compared(NAME, "server CPU ms per reply, on vs off", cpu(paths.on), cpu(paths.off)),
      compared(
        NAME,
        "server CPU ms per reply, on vs raw SSE",
        cpu(paths.on),
        cpu(paths.rawBatched),
      ),
      single(
        NAME,
        "tokens/s, raw SSE with one event per token",
        rate(paths.rawPerToken).toFixed(0),
      ),
      single(NAME, "tokens/s, the model alone in-process", median(model).toFixed(0)),
    ],
    notes: [
      `One reply of ${TOKENS.toLocaleString("en-US")} tokens ("stream ${TOKENS} words", builtin ` +
        `model, no delay), median of ${runs} run(s) per path after a warm-up, the paths taking turns. Tokens/s = tokens ` +
        "received / (arrival of the last token - start of the request); server CPU is the " +
        "server process's user + system time over the reply. Every path reads the same source: " +
        "the builtin model through the AI SDK's streamText, as the engine reads it, so the " +
        "differences are what each path adds.",
      "- Persistence on: the real runtime over HTTP (context.send, then context.events over " +
        "SSE). Every 50 ms batch of text is one transaction that rewrites the message's parts " +
        "and appends a delta event to the log, published after the commit.\n" +
        "- Persistence off: the same model stream sent as tracked events of the same shape " +
        "over the same Hono and tRPC SSE, batched the same way (first delta at once, then " +
        "50 ms windows), in the same server process: no engine, no transaction, no log, no bus " +
        "(bench/servers/stream-off.ts). An in-memory database would still run every statement; " +
        "this leaves them out.\n" +
        "- Raw SSE (baseline): a node:http handler writing the model's deltas as SSE with the " +
        "same 50 ms batching (bench/servers/raw.ts); also shown with one event per token.\n" +
        "- The model alone: streamText consumed in this process, no HTTP: the ceiling of every " +
        "path, since the builtin model yields to the event loop once per word.",
      `Runs, tokens/s: on ${list(paths.on.rates)}; off ${list(paths.off.rates)}; raw ` +
        `${list(paths.rawBatched.rates)}; raw per token ${list(paths.rawPerToken.rates)}; model ` +
        `${list(model)}. Server CPU ms per reply: on ${list(paths.on.cpu)}; off ` +
        `${list(paths.off.cpu)}; raw ${list(paths.rawBatched.cpu)}.`,
    ],
  };
}
