// The script behind an installed npm package's bin, to start an MCP server with `node <script>`
// from node_modules: no npx, no download when the server starts.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * The absolute path of `bin` (default: the package's only or first bin) of `packageName`, as
 * resolved from `from` (default: this package).
 */
export function packageBin(
  packageName: string,
  bin?: string,
  from: string = import.meta.url,
): string {
  const manifestPath = createRequire(from).resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as {
    bin?: string | Record<string, string>;
  };
  const bins =
    typeof manifest.bin === "string" ? { [packageName]: manifest.bin } : (manifest.bin ?? {});
  const script = bin ? bins[bin] : Object.values(bins)[0];
  if (!script) throw new Error(`The package ${packageName} has no bin ${bin ?? ""}`.trim());
  return path.resolve(path.dirname(manifestPath), script);
}
