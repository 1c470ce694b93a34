// Agents for tests of the ticket and session paths, where only an agent's identity matters.
import type { AgentDirectory, AgentInfo } from "@agent-access/api";

const agents: AgentInfo[] = [
  {
    id: "workspace-assistant",
    name: "Workspace assistant",
    description: "Answers questions about webhooks.",
  },
  {
    id: "billing-assistant",
    name: "Billing assistant",
    description: "Answers questions about invoices.",
  },
];

export const testAgents: AgentDirectory = {
  get: (id) => agents.find((agent) => agent.id === id),
  list: () => agents,
};
