// The agents of the test server: the demo assistant, and a second agent so that tests can make
// sessions with and without a given agent.
import { createAgentRegistry, defineAgent, workspaceAssistant } from "@agent-access/agents";

export const billingAssistant = defineAgent({
  id: "billing-assistant",
  name: "Billing assistant",
  description: "Answers questions about invoices.",
  instructions: "You answer questions about invoices.",
  tools: {},
});

export const testAgents = createAgentRegistry([workspaceAssistant, billingAssistant]);
