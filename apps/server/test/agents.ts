// The agents of the test server: the app's own (app.config.ts, the one list the server runs), the
// framework's test agent (the one the framework's tests talk to, so that they need no example
// app), and a second agent so that tests can make sessions with and without a given agent.
import { createAgentRegistry, defineAgent } from "@agent-access/agents";
import { TEST_AGENT, testAssistant } from "@agent-access/agents/testing";
import { app } from "../src/app.config.ts";

export { TEST_AGENT };

export const billingAssistant = defineAgent({
  id: "billing-assistant",
  name: "Billing assistant",
  description: "Answers questions about invoices.",
  instructions: "You answer questions about invoices.",
  tools: {},
});

export const testAgents = createAgentRegistry([...app.agents, testAssistant, billingAssistant]);
