import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Test suites, each a project with its own script:
// - unit: beside the code (router callers, HTTP on a random port, hooks in a DOM environment:
//         `// @vitest-environment dom`, jsdom with Node's module loading; see its file).
// - e2e:  tests/e2e, a real Chromium against the production build (`pnpm test:e2e` builds first).
// - security: tests/security (and an example app's own, examples/*/security), the heavy
//   generated layer: isolation matrix, fuzzing, races, SIGKILL crashes and load, over real HTTP
//   (`pnpm test:security`).
// - multi: tests/multi, two real server processes (A and B) on one PostgreSQL database: live
//   events, runs, exchanges and isolation across instances, SIGKILL of one (`pnpm test:multi`).
//   Skipped, with one line saying why, where no PostgreSQL answers; a failure under CI=true.
export default defineConfig({
  test: {
    projects: [
      {
        resolve: {
          alias: {
            // vitest looks up an environment named in a file's docblock as this package.
            "vitest-environment-dom": fileURLToPath(
              new URL("./packages/react/test/dom-environment.ts", import.meta.url),
            ),
          },
        },
        test: {
          name: "unit",
          include: ["{apps,packages,examples}/*/{src,test}/**/*.test.{ts,tsx}"],
          // The run's PostgreSQL database for the suites that run on both dialects
          // (packages/db/test/dialects.ts); one line says so when they are skipped.
          globalSetup: ["packages/db/test/postgres-global-setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["tests/e2e/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // expect.poll waits for a browser and a server sharing two cores: 1 s is too short.
          expect: { poll: { timeout: 15_000 } },
          // One browser journey at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "security",
          include: ["tests/security/**/*.test.ts", "examples/*/security/**/*.test.ts"],
          // Thousands of requests per test on a two-core machine: time is not what is tested.
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // Each file loads the machine on its own (fuzzing, load, a child server process).
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "multi",
          include: ["tests/multi/**/*.test.ts"],
          // The run's PostgreSQL database; each file makes its own schema in it.
          globalSetup: ["packages/db/test/postgres-global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // Each file runs two or more server processes: one file at a time on two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
