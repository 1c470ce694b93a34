// Headless Debian Chromium driven by playwright-core (never a downloaded browser). Failed tests
// keep a screenshot of every open page in test-results/ (ignored by git).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const resultsDir = fileURLToPath(new URL("../../../test-results/", import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
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
