// What one replying stream holds on the app server, by kind of object: benchmark 4's app server
// (SQLite), n contexts each with its event stream open, a heap snapshot with the streams open and
// idle, then every context asked for a long reply and a second snapshot mid-reply. A snapshot
// holds live objects only (V8 collects first), so the difference per stream is what a replying
// stream keeps, without the garbage a peak RSS counts.
//
//   node --import tsx bench/heap-per-stream.ts [streams=200] [words=2000]
//   HEAP_KEEP=1 node --import tsx bench/heap-per-stream.ts    (keeps the snapshots)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startServer } from "./lib/child.ts";
import { batchedMutation, eventHeaders, eventsUrl, openBrowser } from "./lib/http.ts";
import { openSse } from "./lib/sse.ts";

const streams = Number(process.argv[2] ?? 200);
const words = Number(process.argv[3] ?? 2000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "heap-per-stream-"));
process.env.BENCH_HEAP_SNAPSHOTS = dir;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes and counts by kind: an object's constructor name, else the node type. */
function tally(file: string): Map<string, { size: number; count: number }> {
  const heap = JSON.parse(fs.readFileSync(file, "utf8")) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const kinds = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]!]!;
    const name = heap.strings[heap.nodes[i + nameAt]!]!;
    const kind =
      type === "object" || type === "native"
        ? name
        : type === "closure" || type === "array" || type === "hidden"
          ? `(${type}) ${name}`
          : `(${type})`;
    const entry = kinds.get(kind) ?? { size: 0, count: 0 };
    entry.size += heap.nodes[i + sizeAt]!;
    entry.count++;
    kinds.set(kind, entry);
  }
  return kinds;
}

/** Waits for the snapshot the signal asked for, once its file stops growing. */
async function snapshot(pid: number): Promise<string> {
  const before = new Set(fs.readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const file = fs.readdirSync(dir).find((name) => !before.has(name));
    if (!file) continue;
    const full = path.join(dir, file);
    const size = fs.statSync(full).size;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (size > 0 && fs.statSync(full).size === size) return full;
  }
}

const app = await startServer("app", { tokenDelayMs: 20 });
try {
  const browser = await openBrowser(app.url, app.info.apiKey!);
  // A warm-up, so that code compiled on first use is not counted as the streams'.
  const warm = await batchedMutation<{ context: { id: string } }>(
    browser,
    "context.create",
    Array.from({ length: 50 }, () => ({})),
  );
  const warmed = warm.map(({ context }) => {
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    return openSse(eventsUrl(browser, context.id), {
      headers: eventHeaders(browser),
      onEvent: (event) => {
        if (event.data.includes('"run.finished"')) finished();
      },
    }).then((stream) => ({ stream, done }));
  });
  const warmStreams = await Promise.all(warmed);
  await batchedMutation(
    browser,
    "context.send",
    warm.map(({ context }) => ({ contextId: context.id, text: "stream 100 words" })),
  );
  await Promise.all(warmStreams.map(({ done }) => done));
  for (const { stream } of warmStreams) stream.close();

  const contexts = await batchedMutation<{ context: { id: string } }>(
    browser,
    "context.create",
    Array.from({ length: streams }, () => ({})),
  );
  const tokens = contexts.map(() => 0);
  const open = await Promise.all(
    contexts.map(({ context }, i) =>
      openSse(eventsUrl(browser, context.id), {
        headers: eventHeaders(browser),
        onEvent: (event) => {
          if (event.data.includes('"message.delta"')) tokens[i]! += 1;
        },
      }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idle = await snapshot(app.pid);
  await batchedMutation(
    browser,
    "context.send",
    contexts.map(({ context }) => ({ contextId: context.id, text: `stream ${words} words` })),
    undefined,
    Number.POSITIVE_INFINITY,
  );
  // Mid-reply: every stream has had deltas for a while, none is near its end.
  while (tokens.some((count) => count < 20)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const replying = await snapshot(app.pid);
  for (const stream of open) stream.close();

  const a = tally(idle);
  const b = tally(replying);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((kind) => {
    const x = a.get(kind) ?? { size: 0, count: 0 };
    const y = b.get(kind) ?? { size: 0, count: 0 };
    return { kind, bytes: (y.size - x.size) / streams, count: (y.count - x.count) / streams };
  });
  rows.sort((p, q) => q.bytes - p.bytes);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(
    `${streams} replying streams vs idle: ${(total / 1000).toFixed(1)} kB per stream (live objects)`,
  );
  for (const row of rows.slice(0, 60)) {
    console.log(
      `${(row.bytes / 1000).toFixed(2).padStart(8)} kB ${row.count.toFixed(1).padStart(7)}  ${row.kind.slice(0, 100)}`,
    );
  }
} finally {
  await app.stop();
  // HEAP_KEEP=1 keeps the two snapshots (to open in Chrome's DevTools, Memory tab).
  if (process.env.HEAP_KEEP) console.log(`snapshots kept in ${dir}`);
  else fs.rmSync(dir, { recursive: true, force: true });
}
