// Which of the session's agents a new conversation is made with. Agents are chosen by id
// (`AgentInfo.id`); the name is for display. Only the reference page's `agentName` option picks
// by name, and an id always wins over a name.
import type { AgentInfo } from "./types.ts";

/** What a caller asked for: an id, else (the reference page's spelling) a name, else the active agent. */
export interface AgentChoice {
  agentId?: string | null;
  agentName?: string | null;
  activeAgentId: string | null;
}

/** The agent whose id or (failing that) name is `wanted`. */
export function findAgent(agents: readonly AgentInfo[], wanted: string): AgentInfo | undefined {
  return (
    agents.find((agent) => agent.id === wanted) ?? agents.find((agent) => agent.name === wanted)
  );
}

/**
 * The id of the agent chosen, or undefined (the server then takes the session's first agent)
 * when the session has no such agent.
 */
export function chooseAgent(agents: readonly AgentInfo[], choice: AgentChoice): string | undefined {
  if (choice.agentId) return agents.find((agent) => agent.id === choice.agentId)?.id;
  if (choice.agentName) return findAgent(agents, choice.agentName)?.id;
  if (choice.activeAgentId) return agents.find((agent) => agent.id === choice.activeAgentId)?.id;
  return undefined;
}
