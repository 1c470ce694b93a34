// Headless Debian Chromium driven by playwright-core (never a downloaded browser). Failed tests
// keep a screenshot of every open page in test-results/ (ignored by git).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const resultsDir = fileURLToPath(new URL("../../../test-results/", import.meta.url));

/**
 * The Chromium to drive: CHROMIUM_PATH, by default Debian's /usr/bin/chromium. Throws an error
 * of one line that says what to install when it is not there (the e2e project's global setup
 * calls this, so a machine without it fails once, before any test, with that line).
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const executable = env.CHROMIUM_PATH || "/usr/bin/chromium";
  try {
    fs.accessSync(executable, fs.constants.X_OK);
    return executable;
  } catch {
    const error = new Error(
      `No Chromium at ${executable}: install Debian's chromium package (\`bash scripts/setup.sh\` does as root or with sudo; or \`apt-get install chromium\`), or set CHROMIUM_PATH to another Chromium or Chrome.`,
    );
    // The line is the whole message: where the check failed is of no use to the reader.
    error.stack = error.message;
    throw error;
  }
}

/** Chromium with the suite's flags, and `extraArgs` (such as blocking third-party cookies). */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Saves a screenshot of each page, named after the test; returns the files written. */
export async function screenshotPages(testName: string, pages: Page[]): Promise<string[]> {
  fs.mkdirSync(resultsDir, { recursive: true });
  const base = testName.replace(/[^\w-]+/g, "-").slice(0, 80);
  const files: string[] = [];
  for (const [index, page] of pages.entries()) {
    if (page.isClosed()) continue;
    const file = path.join(resultsDir, `${base}-${index}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    files.push(file);
  }
  return files;
}
