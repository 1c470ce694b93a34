// The results table: one row per figure, the subject beside the baseline measured in the same
// run, their ratio, and the goal it is read against. Goals are reported, never asserted.
import os from "node:os";

export interface Row {
  benchmark: string;
  metric: string;
  subject: string;
  baseline: string;
  ratio: string;
  goal: string;
  /** "yes" or "no" against the goal, or "" for a figure without one. */
  met: string;
}

/** One benchmark's rows, plus notes on what was measured (sizes, methods, query plans). */
export interface Section {
  title: string;
  rows: Row[];
  notes: string[];
}

export type BenchDialect = "sqlite" | "postgres";

export interface BenchOptions {
  /** Smaller sizes and shorter runs, to finish within a minute. */
  quick: boolean;
  /** Progress lines, to stderr. */
  log: (line: string) => void;
  /** The database engine the servers of this benchmark run on. */
  dialect: BenchDialect;
  /**
   * PostgreSQL: a new empty schema in the run's database (its URL); servers given the same URL
   * share it, as instances do. SQLite: undefined (each server makes its own temporary file).
   */
  database(): Promise<string | undefined>;
}

/** A benchmark's name with its database engine, e.g. "1. ticket path [postgres]". */
export function named(name: string, options: Pick<BenchOptions, "dialect">): string {
  return `${name} [${options.dialect}]`;
}

/** A figure rounded to what a noisy shared machine can tell apart. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 10_000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export interface Goal {
  text: string;
  met: (ratio: number, subject: number) => boolean;
}

/** A row comparing a subject with its baseline; `ratio` is subject / baseline. */
export function compared(
  benchmark: string,
  metric: string,
  subject: number,
  baseline: number,
  goal?: Goal,
): Row {
  const ratio = subject / baseline;
  return {
    benchmark,
    metric,
    subject: fmt(subject),
    baseline: fmt(baseline),
    ratio: `${ratio.toFixed(2)}x`,
    goal: goal?.text ?? "",
    met: goal ? (goal.met(ratio, subject) ? "yes" : "no") : "",
  };
}

/** A row with no baseline (a size, a count, a yes or no). */
export function single(
  benchmark: string,
  metric: string,
  subject: string,
  goal?: { text: string; met: boolean },
): Row {
  return {
    benchmark,
    metric,
    subject,
    baseline: "",
    ratio: "",
    goal: goal?.text ?? "",
    met: goal ? (goal.met ? "yes" : "no") : "",
  };
}

/** The p-th percentile (0 to 100) of the samples, nearest rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** The middle value, or the mean of the two middle values. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? (sorted[middle - 1]! + sorted[middle]!) / 2
    : sorted[Math.floor(middle)]!;
}

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  os: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
  };
}

function escapeCell(cell: string): string {
  return cell.replaceAll("|", "\\|");
}

export function markdownTable(rows: readonly Row[]): string {
  const header = ["benchmark", "metric", "subject", "baseline", "ratio", "goal", "met?"];
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i >= 2 && i <= 4 ? "---:" : "---")).join(" | ")} |`,
  ];
  for (const row of rows) {
    const cells = [
      row.benchmark,
      row.metric,
      row.subject,
      row.baseline,
      row.ratio,
      row.goal,
      row.met,
    ];
    lines.push(`| ${cells.map(escapeCell).join(" | ")} |`);
  }
  return lines.join("\n");
}

export function markdownReport(input: {
  sections: readonly Section[];
  quick: boolean;
  startedAt: Date;
  wallSeconds: number;
  machine: Machine;
  /** The system's 1, 5 and 15 minute load averages when the run started. */
  loadAtStart: number[];
  /** PostgreSQL's version, when benchmarks ran on it (on this machine, beside the servers). */
  postgres: string | null;
}): string {
  const { machine: m } = input;
  const lines = [
    `# Benchmark results${input.quick ? " (--quick)" : ""}`,
    "",
    `Run ${input.startedAt.toISOString()}, ${input.wallSeconds.toFixed(0)} s wall time; load ` +
      `average at the start ${input.loadAtStart.map((load) => load.toFixed(1)).join(", ")}.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory}, Node ${m.node}, ${m.os}.` +
      (input.postgres
        ? ` PostgreSQL ${input.postgres} on the same machine, default settings.`
        : ""),
    "",
    markdownTable(input.sections.flatMap((section) => section.rows)),
    "",
  ];
  for (const section of input.sections) {
    if (section.notes.length === 0) continue;
    lines.push(`## ${section.title}`, "");
    for (const note of section.notes) lines.push(note, "");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
