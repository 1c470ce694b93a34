// Runs once before the e2e suite: without a Chromium the suite stops here with one line that
// says what to install, instead of every file failing on playwright's long launch error.
import { chromiumPath } from "./browser.ts";

export default function setup(): void {
  try {
    chromiumPath();
  } catch (error) {
    // Thrown, the error would come after vitest's "No test files found" and its include list.
    console.error(`\n${(error as Error).message}\n`);
    process.exit(1);
  }
}
