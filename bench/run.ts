// pnpm bench [--quick] [--only 1,3]: runs each benchmark against its baseline, one after the
// other on this machine, prints the table and writes it to bench-results/latest.md. Benchmarks
// report; they never fail on a figure.
import fs from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { bundleSize } from "./bundle-size.ts";
import { concurrency } from "./concurrency.ts";
import { history } from "./history.ts";
import {
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

const BENCHMARKS: Record<string, (options: BenchOptions) => Promise<Section>> = {
  "1": ticketPath,
  "2": turnOverhead,
  "3": streamThroughput,
  "4": concurrency,
  "5": history,
  "6": bundleSize,
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const chosen = values.only ? values.only.split(",").map((n) => n.trim()) : Object.keys(BENCHMARKS);
const options: BenchOptions = {
  quick: values.quick,
  log: (line) => process.stderr.write(`${line}\n`),
};

const startedAt = new Date();
const loadAtStart = os.loadavg();
const started = performance.now();
const sections: Section[] = [];
let crashed = false;
for (const key of chosen) {
  const benchmark = BENCHMARKS[key];
  if (!benchmark) throw new Error(`no benchmark ${key}: choose from ${Object.keys(BENCHMARKS)}`);
  const from = performance.now();
  options.log(`benchmark ${key}${options.quick ? " (quick)" : ""}...`);
  try {
    sections.push(await benchmark(options));
  } catch (error) {
    // A broken benchmark is a bug, not a figure: show it and go on with the others.
    crashed = true;
    console.error(error);
    sections.push({
      title: `benchmark ${key}`,
      rows: [single(`benchmark ${key}`, "error", String(error).slice(0, 200))],
      notes: [],
    });
  }
  options.log(`  done in ${((performance.now() - from) / 1000).toFixed(1)} s`);
}

const wallSeconds = (performance.now() - started) / 1000;
const report = markdownReport({
  sections,
  quick: options.quick,
  startedAt,
  wallSeconds,
  machine: machine(),
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
