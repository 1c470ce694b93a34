// Helpers for an app's own tests of its agents: `@agent-access/agents/testing`. Kept out of the
// main entry so that production code does not reach for them.
export {
  createScriptedModel,
  type ScriptedModel,
  type ScriptedToolResult,
  type ScriptedTurn,
} from "./models/scripted.ts";
export {
  fixtureMigrations,
  getWebhookHealth,
  installFixture,
  retryFailedDeliveries,
  seedFixture,
  TEST_AGENT,
  testAssistant,
} from "./test-agent.ts";
