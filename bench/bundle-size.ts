// 6. The vanity page's JavaScript: what a browser downloads to open /vanity/agents, gzipped.
// The web app is built with its own Vite config (production mode) into bench-results/web with a
// manifest, which ties each chunk to its source, so the page's chunks can be told apart.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type BenchOptions, type Section, single } from "./report.ts";

const NAME = "6. vanity page JS";
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = path.join(ROOT, "bench-results/web");
const KB = 1000;
const GOAL_KB = 150;

interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
}

type Manifest = Record<string, ManifestChunk>;

function build(): Manifest {
  execFileSync(
    "pnpm",
    [
      "--filter",
      "@agent-access/web",
      "exec",
      "vite",
      "build",
      "--manifest",
      "--outDir",
      OUT,
      "--emptyOutDir",
      "--logLevel",
      "warn",
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  return JSON.parse(fs.readFileSync(path.join(OUT, ".vite/manifest.json"), "utf8")) as Manifest;
}

/** A chunk's file and those of its static imports, recursively: what loads with it. */
function withImports(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  const chunk = manifest[key];
  if (!chunk || into.has(chunk.file)) return into;
  into.add(chunk.file);
  for (const imported of chunk.imports ?? []) withImports(manifest, imported, into);
  return into;
}

function gzipBytes(file: string): number {
  return gzipSync(fs.readFileSync(path.join(OUT, file)), { level: 9 }).length;
}

export async function bundleSize(options: BenchOptions): Promise<Section> {
  const manifest = build();
  // The vanity page is an entry of its own (apps/web/vanity.html): its chunk and every chunk it
  // imports statically is what a tab opened from a ticket link downloads.
  const entry = "vanity.html";
  if (!manifest[entry]?.isEntry) throw new Error(`the build has no ${entry} entry`);
  const files = withImports(manifest, entry);
  const js = [...files].filter((file) => file.endsWith(".js")).sort();
  const gzip = js.reduce((sum, file) => sum + gzipBytes(file), 0);
  const raw = js.reduce((sum, file) => sum + fs.statSync(path.join(OUT, file)).size, 0);
  const allJs = (fs.readdirSync(path.join(OUT, "assets")) as string[])
    .filter((file) => file.endsWith(".js"))
    .map((file) => `assets/${file}`);
  const allGzip = allJs.reduce((sum, file) => sum + gzipBytes(file), 0);
  options.log(`  vanity page JS: ${js.join(", ")}: ${(gzip / KB).toFixed(1)} kB gzip`);
  const what = `the vanity page's entry (${entry}) with its static imports`;
  return {
    title: NAME,
    rows: [
      single(NAME, "JS to open /vanity/agents, gzip -9 (kB)", (gzip / KB).toFixed(1), {
        text: `< ${GOAL_KB} kB`,
        met: gzip / KB < GOAL_KB,
      }),
      single(NAME, "the same, uncompressed (kB)", (raw / KB).toFixed(1)),
      single(NAME, "all JS of the build, gzip -9 (kB)", (allGzip / KB).toFixed(1)),
    ],
    notes: [
      `Measured: ${what}: ${js.join(", ")}. Each file gzipped on its own at level 9 (node:zlib), ` +
        "as a server would send it, and the sizes added up; kB = 1,000 bytes, as Vite prints. " +
        "The build is the web app's own Vite config in production mode, written to " +
        "bench-results/web with --manifest (the manifest names each chunk's source and imports); " +
        "apps/web/dist, which the server serves, is left alone. CSS is not counted.",
    ],
  };
}
