// The agents this server offers: the demo's workspace assistant (with its notes MCP server
// unless AGENT_NOTES_DIR=off), plus the MCP servers of the AGENT_MCP_CONFIG file.
import path from "node:path";
import {
  type AgentRegistry,
  createAgentRegistry,
  createWorkspaceAssistant,
  withMcpConfig,
} from "@agent-access/agents";
import { type Env, EnvError } from "./env.ts";

export function agentRegistryOf(
  env: Pick<Env, "AGENT_MCP_CONFIG" | "AGENT_NOTES_DIR" | "DATABASE_PATH">,
): AgentRegistry {
  const notesDir =
    env.AGENT_NOTES_DIR === "off"
      ? undefined
      : (env.AGENT_NOTES_DIR ?? path.join(path.dirname(env.DATABASE_PATH), "notes"));
  const registry = createAgentRegistry([createWorkspaceAssistant({ notesDir })]);
  if (!env.AGENT_MCP_CONFIG) return registry;
  try {
    return withMcpConfig(registry, env.AGENT_MCP_CONFIG);
  } catch (error) {
    throw new EnvError(`Invalid environment:\n  AGENT_MCP_CONFIG: ${(error as Error).message}`);
  }
}
