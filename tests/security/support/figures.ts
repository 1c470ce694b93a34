// The suite's measured figures (counts, statuses, wall time): printed, and merged into
// test-results/security-figures.json (ignored by git) so docs/security.md can quote a run.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const file = fileURLToPath(new URL("../../../test-results/security-figures.json", import.meta.url));

/** The machine a figure was measured on, in a few words. */
export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}`;
}

export function recordFigures(section: string, figures: Record<string, unknown>): void {
  console.log(`[security figures] ${section}: ${JSON.stringify(figures)}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    // First section of a run, or an unreadable leftover: start afresh.
  }
  all[section] = { ...figures, machine: machine(), at: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}
