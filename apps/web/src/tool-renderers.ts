// The app's renderers of tool results, by tool name, given to AgentAccessProvider's
// `toolRenderers` by the vanity page and the embedded chat: a tool listed here shows its result
// its own way (a table, a card) instead of as JSON. Lines marked "demo" add the workspace
// demo's (apps/web/src/demo).
import type { ToolRenderers } from "@agent-access/react";
import { WebhookHealthTable } from "./demo/webhook-health.tsx"; // demo

export const toolRenderers: ToolRenderers = {
  // Your tools' renderers, such as lookUpOrder: OrderCard.
  getWebhookHealth: WebhookHealthTable, // demo
};
