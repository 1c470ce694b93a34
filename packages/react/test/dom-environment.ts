// The environment of the hook tests (`// @vitest-environment dom`, registered in
// vitest.config.ts): jsdom's window and document, with modules loaded as Node loads them. The
// hooks run against the real server in the same process, and vitest's plain jsdom environment
// transforms modules for the browser, where `new URL("../migrations/", import.meta.url)` (how
// the database package finds its migrations) becomes a web address.
import { builtinEnvironments, type Environment } from "vitest/runtime";

const environment: Environment = {
  ...builtinEnvironments.jsdom,
  name: "dom",
  viteEnvironment: "ssr",
};

export default environment;
