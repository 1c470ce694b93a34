#!/usr/bin/env node
// Removes the workspace demo from this checkout, leaving the framework, the notes example and
// an app of your own to build: `pnpm remove-demo`. What it does:
//   1. deletes the demo's folders (DEMO_PATHS);
//   2. deletes every line that ends with the marker `// demo` (the demo's registration in
//      apps/server/src/app.config.ts and its pages in apps/web/src/app-pages.tsx);
//   3. drops @agent-access/workspace-demo from every package.json;
//   4. refuses to finish (exit 1) while any file still names the demo's package or folders;
//   5. runs `pnpm install` to update pnpm-lock.yaml (skip it with --no-install).
// Then `pnpm typecheck && pnpm test` (unit, browser and security suites; the demo's rows in the
// security suite's table leave with it: README.md, "The workspace demo"). `pnpm test:no-demo`
// checks all this in a temporary copy.
// Node only, no dependencies. Options: --no-install, --dry-run (say what it would do).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const dryRun = args.has("--dry-run");
const install = !args.has("--no-install");

/** The demo's own files: its package, its pages, and its browser journey. */
const DEMO_PATHS = [
  "examples/workspace-demo",
  "apps/web/src/demo",
  "tests/e2e/journey.test.ts",
  "tests/e2e/host-demo.test.ts",
  "tests/e2e/turns.test.ts",
];
const PACKAGE = "@agent-access/workspace-demo";
const MARKER = /\/\/ demo$/;
const SKIP = new Set(["node_modules", ".git", "dist", "data", "test-results", "bench-results"]);
const TEXT = /\.(ts|tsx|mts|mjs|js|json|sh|md|yaml|html|css)$/;

function walk(dir, files = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, files);
    else if (TEXT.test(entry.name)) files.push(full);
  }
  return files;
}

const changes = [];
const rel = (file) => path.relative(root, file);

for (const demoPath of DEMO_PATHS) {
  const full = path.join(root, demoPath);
  if (!fs.existsSync(full)) continue;
  changes.push(`deleted  ${demoPath}`);
  if (!dryRun) fs.rmSync(full, { recursive: true, force: true });
}

for (const file of walk(root)) {
  // This script and the docs name the marker and the package on purpose.
  if (file === fileURLToPath(import.meta.url) || file.endsWith(".md")) continue;
  const text = fs.readFileSync(file, "utf8");
  let next = text;
  if (path.basename(file) === "package.json") {
    const json = JSON.parse(text);
    let touched = false;
    for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
      if (json[field]?.[PACKAGE]) {
        delete json[field][PACKAGE];
        touched = true;
      }
    }
    if (touched) next = `${JSON.stringify(json, null, 2)}\n`;
  } else if (/\.(ts|tsx)$/.test(file)) {
    next = text
      .split("\n")
      .filter((line) => !MARKER.test(line.trimEnd()))
      .join("\n");
  }
  if (next !== text) {
    changes.push(`edited   ${rel(file)}`);
    if (!dryRun) fs.writeFileSync(file, next);
  }
}

console.log(changes.length ? changes.join("\n") : "The demo is not here: nothing to remove.");
if (dryRun) process.exit(0);

// Nothing may name the demo any more: a leftover would fail later, less clearly.
const leftovers = walk(root).filter((file) => {
  if (file === fileURLToPath(import.meta.url) || file.endsWith(".md")) return false;
  const text = fs.readFileSync(file, "utf8");
  return text.includes(PACKAGE) || /["'][./]*\/?demo\/[\w./-]*["']/.test(text);
});
const lockfile = leftovers.filter((file) => rel(file) === "pnpm-lock.yaml");
const others = leftovers.filter((file) => rel(file) !== "pnpm-lock.yaml");
if (others.length > 0) {
  console.error(
    `\nThese files still use the demo; move what they need out of it, or mark the lines "// demo":\n${others.map((file) => `  ${rel(file)}`).join("\n")}`,
  );
  process.exit(1);
}

if (install) {
  const result = spawnSync("pnpm", ["install"], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
} else if (lockfile.length > 0) {
  console.log("\nRun `pnpm install` to update pnpm-lock.yaml.");
}
console.log(
  "\nThe demo is removed. Next: `pnpm typecheck && pnpm test`, then update README.md and docs/ where they describe the demo.",
);
