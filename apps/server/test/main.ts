// The real server (src/main.ts) as the process tests start it: the app of app.config.ts, plus the
// framework's test agent and its table, so that the framework's own tests need no example app,
// and the second test agent (agents.ts), for sessions with and without a given agent.
import { fixtureMigrations, testAssistant } from "@agent-access/agents/testing";
import { app } from "../src/app.config.ts";
import { billingAssistant } from "./agents.ts";

app.agents = [...app.agents, testAssistant, billingAssistant];
app.migrations = [...(app.migrations ?? []), fixtureMigrations];
await import("../src/main.ts");
