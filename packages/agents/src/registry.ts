// The agents a server offers, by id: what tickets may name and what the run engine runs. An app
// lists its agents once, in its definition (apps/server/src/app.config.ts, `defineApp`), and the
// server builds the registry from that list.
import type { AgentDefinition } from "./agent.ts";

export interface AgentRegistry {
  get(id: string): AgentDefinition | undefined;
  /** Every agent, in the order given. */
  list(): AgentDefinition[];
}

export function createAgentRegistry(agents: readonly AgentDefinition[]): AgentRegistry {
  const byId = new Map<string, AgentDefinition>();
  for (const agent of agents) {
    if (byId.has(agent.id)) throw new Error(`Two agents have the id "${agent.id}".`);
    byId.set(agent.id, agent);
  }
  return {
    get: (id) => byId.get(id),
    list: () => [...byId.values()],
  };
}
