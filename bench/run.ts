// pnpm bench [--quick] [--only 1,3] [--dialect sqlite|postgres|both]: runs each benchmark against
// its baseline, one after the other on this machine, prints the table and writes it to
// bench-results/latest.md. Benchmarks report; they never fail on a figure.
//
// Benchmarks 1 to 5 and 8 run on SQLite and on PostgreSQL (--dialect, or BENCH_DIALECT; default
// both), 7 and 9 (several instances) on PostgreSQL only. PostgreSQL is TEST_POSTGRES_URL, by default
// the local role of scripts/postgres.sh; the run creates a database and drops it at the end.
// Without a PostgreSQL, "both" runs the SQLite figures and says in one row why the others are
// missing; "postgres" fails.
import fs from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { aiSdkPeer } from "./ai-sdk-peer.ts";
import { bundleSize } from "./bundle-size.ts";
import { concurrency } from "./concurrency.ts";
import { crossInstance } from "./cross-instance.ts";
import { history } from "./history.ts";
import { type BenchPostgres, createBenchDatabase, postgresUnavailable } from "./lib/postgres.ts";
import {
  type BenchDialect,
  type BenchOptions,
  machine,
  markdownReport,
  markdownTable,
  type Section,
  single,
} from "./report.ts";
import { streamThroughput } from "./stream-throughput.ts";
import { ticketPath } from "./ticket-path.ts";
import { turnOverhead } from "./turn-overhead.ts";
import { twoInstances } from "./two-instances.ts";

interface Benchmark {
  run: (options: BenchOptions) => Promise<Section>;
  /** On which engines it runs: each chosen one, PostgreSQL only, or none (no database). */
  on: "each" | "postgres" | "none";
}

const BENCHMARKS: Record<string, Benchmark> = {
  "1": { run: ticketPath, on: "each" },
  "2": { run: turnOverhead, on: "each" },
  "3": { run: streamThroughput, on: "each" },
  "4": { run: concurrency, on: "each" },
  "5": { run: history, on: "each" },
  "6": { run: bundleSize, on: "none" },
  "7": { run: crossInstance, on: "postgres" },
  "8": { run: aiSdkPeer, on: "each" },
  "9": { run: twoInstances, on: "postgres" },
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    dialect: { type: "string", default: process.env.BENCH_DIALECT || "both" },
  },
});
const chosen = values.only ? values.only.split(",").map((n) => n.trim()) : Object.keys(BENCHMARKS);
for (const key of chosen) {
  if (!BENCHMARKS[key]) {
    throw new Error(`no benchmark ${key}: choose from ${Object.keys(BENCHMARKS).join(", ")}`);
  }
}
if (!["sqlite", "postgres", "both"].includes(values.dialect)) {
  throw new Error(
    `--dialect (or BENCH_DIALECT) must be sqlite, postgres or both, not ${values.dialect}`,
  );
}
const log = (line: string) => process.stderr.write(`${line}\n`);

const startedAt = new Date();
const loadAtStart = os.loadavg();
const started = performance.now();
const sections: Section[] = [];
let crashed = false;

// PostgreSQL, when a chosen benchmark runs on it: one database for the whole run.
let postgres: BenchPostgres | null = null;
const dialects: BenchDialect[] =
  values.dialect === "both" ? ["sqlite", "postgres"] : [values.dialect as BenchDialect];
const needsPostgres =
  dialects.includes("postgres") && chosen.some((key) => BENCHMARKS[key]!.on !== "none");
if (needsPostgres) {
  const unavailable = await postgresUnavailable();
  if (unavailable && values.dialect === "postgres") {
    throw new Error(`${unavailable}: run scripts/postgres.sh or set TEST_POSTGRES_URL`);
  }
  if (unavailable) {
    log(`PostgreSQL benchmarks skipped: ${unavailable}`);
    dialects.splice(dialects.indexOf("postgres"), 1);
    sections.push({
      title: "PostgreSQL",
      rows: [single("PostgreSQL", "skipped", unavailable)],
      notes: [],
    });
  } else {
    postgres = await createBenchDatabase();
    log(`PostgreSQL ${postgres.version}: a database for this run, dropped at its end`);
  }
}

function optionsFor(dialect: BenchDialect): BenchOptions {
  return {
    quick: values.quick,
    log,
    dialect,
    database: async () => (dialect === "postgres" ? await postgres!.schema() : undefined),
  };
}

try {
  for (const key of chosen) {
    const benchmark = BENCHMARKS[key]!;
    const runs: BenchDialect[] =
      benchmark.on === "none"
        ? ["sqlite"]
        : benchmark.on === "postgres"
          ? dialects.filter((dialect) => dialect === "postgres")
          : dialects;
    for (const dialect of runs) {
      const from = performance.now();
      const on = benchmark.on === "none" ? "" : ` on ${dialect}`;
      log(`benchmark ${key}${on}${values.quick ? " (quick)" : ""}...`);
      try {
        sections.push(await benchmark.run(optionsFor(dialect)));
      } catch (error) {
        // A broken benchmark is a bug, not a figure: show it and go on with the others.
        crashed = true;
        console.error(error);
        sections.push({
          title: `benchmark ${key}${on}`,
          rows: [single(`benchmark ${key}${on}`, "error", String(error).slice(0, 200))],
          notes: [],
        });
      }
      log(`  done in ${((performance.now() - from) / 1000).toFixed(1)} s`);
    }
  }
} finally {
  await postgres?.drop();
}

const wallSeconds = (performance.now() - started) / 1000;
const report = markdownReport({
  sections,
  quick: values.quick,
  startedAt,
  wallSeconds,
  machine: machine(),
  postgres: postgres?.version ?? null,
  loadAtStart,
});
const out = new URL("../bench-results/", import.meta.url);
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(new URL("latest.md", out), report);
console.log(markdownTable(sections.flatMap((section) => section.rows)));
console.log(
  `\n${wallSeconds.toFixed(0)} s (load average at the start ${loadAtStart.map((load) => load.toFixed(1)).join(", ")}); ` +
    "the full report, with methods and query plans, is in bench-results/latest.md",
);
process.exitCode = crashed ? 1 : 0;
