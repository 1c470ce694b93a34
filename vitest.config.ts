import { defineConfig } from "vitest/config";

// Test suites, each a project with its own script:
// - unit: beside the code (router callers, HTTP on a random port, hooks in a DOM environment).
// - e2e:  tests/e2e, a real Chromium against the production build (`pnpm test:e2e` builds first).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{apps,packages}/*/{src,test}/**/*.test.{ts,tsx}"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One browser journey at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
