// The real server (src/main.ts) as the process tests start it: the app of app.config.ts, plus the
// framework's test agent and its table, so that the framework's own tests need no example app.
import { fixtureMigrations, testAssistant } from "@agent-access/agents/testing";
import { app } from "../src/app.config.ts";

app.agents = [...app.agents, testAssistant];
app.migrations = [...(app.migrations ?? []), fixtureMigrations];
await import("../src/main.ts");
