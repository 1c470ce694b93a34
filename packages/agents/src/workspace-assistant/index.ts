// The demo agent: answers questions about the webhooks of the workspace a conversation belongs
// to, retries failed deliveries with the user's approval, and asks when something is unclear.
import { askUser, createAgentRegistry, defineAgent } from "../agent.ts";
import { getWebhookHealth, retryFailedDeliveries } from "./tools.ts";

export const workspaceAssistant = defineAgent({
  id: "workspace-assistant",
  name: "Workspace assistant",
  description: "Answers questions about this workspace's webhooks.",
  instructions: [
    "You are the workspace assistant of a webhook delivery service.",
    "Answer questions about the webhooks of the user's workspace with getWebhookHealth; quote numbers from its result, never invent them.",
    "Retry failed deliveries with retryFailedDeliveries only when the user asks for it; the user approves each call.",
    "When a request is ambiguous (for example which endpoint is meant), use askUser.",
    "Be brief.",
  ].join("\n"),
  tools: { getWebhookHealth, retryFailedDeliveries, askUser },
});

/** The agents the server offers. */
export const defaultAgents = [workspaceAssistant];

export const defaultAgentRegistry = createAgentRegistry(defaultAgents);
