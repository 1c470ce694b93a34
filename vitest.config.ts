import { defineConfig } from "vitest/config";

// Test suites. `unit` is the fast suite beside the code (router callers, HTTP on a random port,
// hooks in a DOM environment); slower suites get projects of their own and their own scripts.
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
    ],
  },
});
