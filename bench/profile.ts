// Sums up the V8 CPU profiles that BENCH_CPU_PROF makes: where a server's busy time went, by
// package (tRPC, Hono, zod, the AI SDK, the db package, Node's own internals...) and by function,
// as self time (the function itself) and total time (it and what it called).
//
//   node --import tsx bench/profile.ts /tmp/prof [--top 25]
//
// Each .cpuprofile in the folder (or the one file given) is summed up on its own. Idle time and
// the server's start (until its first request) are left out: percentages are of the busy time.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (or part of Node, or of this repository) a script belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) {
    // (garbage collector), (program), (idle), (root), and native functions without a script.
    return functionName.startsWith("(") ? functionName : "(native)";
  }
  const modules = url.lastIndexOf("/node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "/node_modules/".length).split("/");
    const name = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    // The workspace's own packages are linked into node_modules: name them by their source.
    return name;
  }
  const repo = url.match(/\/(packages|apps|bench)\/([^/]+)\//);
  if (repo) return repo[1] === "bench" ? "bench" : `@agent-access/${repo[2]}`;
  if (url.startsWith("node:internal/")) {
    // node:internal/webstreams/readablestream -> node:internal/webstreams
    const [, area, file] = url.slice("node:internal/".length).match(/^([^/]+)(?:\/([^/]+))?/) ?? [];
    return area === "deps" ? `node:internal/deps/${file}` : `node:internal/${area}`;
  }
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  return url;
}

/** Node's own code and native frames: their time is charged to whoever called them. */
function isNode(pkg: string): boolean {
  return pkg.startsWith("node:") || pkg === "(native)";
}

/**
 * A coarse kind of work for a sample, by its leaf frame: the database's statements, socket
 * writes, the collector, WHATWG streams and fetch objects (Request, Response, ReadableStream,
 * AbortSignal), Node's HTTP and streams; otherwise the package, Node's time charged to its caller.
 */
function categoryOf(leaf: ProfileNode, caller: string | undefined): string {
  const { functionName: name, url } = leaf.callFrame;
  const pkg = packageOf(url, name);
  if (pkg === "better-sqlite3" || (name === "execute" && url.includes("/db/src/connection.ts"))) {
    return "SQLite statements (better-sqlite3)";
  }
  if (/^(writev|writeUtf8String|writeBuffer|writeLatin1String|writeAsciiString)$/.test(name)) {
    return "socket writes";
  }
  if (name.startsWith("(")) return name;
  if (/^node:internal\/(modules|bootstrap|deps\/cjs-module-lexer)$/.test(pkg) || caller === "tsx") {
    return "loading modules (first use of a lazy import)";
  }
  if (
    /^node:internal\/(webstreams|deps\/undici|abort_controller|worker|event_target|encoding)$/.test(
      pkg,
    )
  ) {
    return "web streams, Request/Response, AbortSignal (Node)";
  }
  if (/^node:(_http_|net|internal\/streams|internal\/stream_base_commons|events)/.test(pkg)) {
    return "HTTP parsing, Node streams and events (Node)";
  }
  if (isNode(pkg)) return `other Node, called by ${caller ?? "the event loop"}`;
  return pkg;
}

interface Figures {
  self: Map<string, number>;
  total: Map<string, number>;
}

function add(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

export function summarize(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const fn = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? `${path.basename(url)}:${lineNumber + 1}` : "";
    return `${functionName || "(anonymous)"} ${file}`.trim();
  };
  const functions: Figures = { self: new Map(), total: new Map() };
  const packages: Figures = { self: new Map(), total: new Map() };
  /** Self time with Node's and native frames charged to the nearest caller outside Node. */
  const charged = new Map<string, number>();
  const categories = new Map<string, number>();
  let busy = 0;
  let gc = 0;
  // The server's start (imports, migrations) is not the benchmark: begin at the first sample
  // that runs a request: the first one under node:http's request handling.
  let started = false;
  for (const [i, sample] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(sample);
    if (!leaf) continue;
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      stack.push(byId.get(id)!);
    }
    if (!started) {
      started = stack.some((node) => node.callFrame.url === "node:_http_server");
      if (!started) continue;
    }
    const name = leaf.callFrame.functionName;
    if (name === "(idle)" || name === "(root)") continue;
    busy += delta;
    if (name === "(garbage collector)") gc += delta;
    add(functions.self, fn(leaf), delta);
    add(packages.self, packageOf(leaf.callFrame.url, name), delta);
    const caller = stack
      .map((node) => packageOf(node.callFrame.url, node.callFrame.functionName))
      .find((pkg) => !isNode(pkg));
    add(charged, caller ?? packageOf(leaf.callFrame.url, name), delta);
    add(categories, categoryOf(leaf, caller), delta);
    const seenFunctions = new Set<string>();
    const seenPackages = new Set<string>();
    for (const node of stack) {
      const key = fn(node);
      if (!seenFunctions.has(key)) {
        seenFunctions.add(key);
        add(functions.total, key, delta);
      }
      const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
      if (!seenPackages.has(pkg)) {
        seenPackages.add(pkg);
        add(packages.total, pkg, delta);
      }
    }
  }
  return { busy, gc, functions, packages, charged, categories };
}

function table(title: string, figures: Figures, busy: number, top: number): string {
  const rows = [...figures.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const pct = (value: number) => `${((100 * value) / busy).toFixed(1)}%`.padStart(6);
  const lines = [`${title}: self, total (of busy time)`];
  for (const [key, self] of rows) {
    lines.push(`  ${pct(self)} ${pct(figures.total.get(key) ?? 0)}  ${key}`);
  }
  return lines.join("\n");
}

function byTotal(title: string, figures: Figures, busy: number, top: number): string {
  const rows = [...figures.total.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const pct = (value: number) => `${((100 * value) / busy).toFixed(1)}%`.padStart(6);
  const lines = [`${title}: total, self (of busy time)`];
  for (const [key, total] of rows) {
    lines.push(`  ${pct(total)} ${pct(figures.self.get(key) ?? 0)}  ${key}`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" } },
  });
  const top = Number(values.top);
  const target = positionals[0];
  if (!target) throw new Error("usage: bench/profile.ts <folder or .cpuprofile> [--top N]");
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((name) => name.endsWith(".cpuprofile"))
        .map((name) => path.join(target, name))
    : [target];
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    const { busy, gc, functions, packages, charged, categories } = summarize(profile);
    console.log(
      `\n== ${path.basename(file)}: ${(busy / 1000).toFixed(0)} ms busy after the first request, ` +
        `${((100 * gc) / busy).toFixed(1)}% in the garbage collector`,
    );
    console.log("kinds of work (of busy time)");
    for (const [kind, time] of [...categories.entries()].sort((a, b) => b[1] - a[1])) {
      console.log(`  ${`${((100 * time) / busy).toFixed(1)}%`.padStart(6)}  ${kind}`);
    }
    console.log(table("packages by self", packages, busy, top));
    console.log(byTotal("packages by total", packages, busy, top));
    console.log(
      table(
        "packages by self, Node's and native time charged to their caller",
        { self: charged, total: packages.total },
        busy,
        top,
      ),
    );
    console.log(table("functions by self", functions, busy, top));
    console.log(byTotal("functions by total", functions, busy, top));
  }
}
