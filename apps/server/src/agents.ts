// The agents this server offers: the demo's workspace assistant (with its notes MCP server
// unless AGENT_NOTES_DIR=off), plus the MCP servers of the AGENT_MCP_CONFIG file.
import fs from "node:fs/promises";
import path from "node:path";
import {
  type AgentRegistry,
  createAgentRegistry,
  createWorkspaceAssistant,
  notesFileOf,
  withMcpConfig,
} from "@agent-access/agents";
import { type Env, EnvError } from "./env.ts";

/** The demo assistant's notes folder, or undefined when AGENT_NOTES_DIR=off. */
function notesDirOf(env: Pick<Env, "AGENT_NOTES_DIR" | "DATABASE_PATH">): string | undefined {
  return env.AGENT_NOTES_DIR === "off"
    ? undefined
    : (env.AGENT_NOTES_DIR ?? path.join(path.dirname(env.DATABASE_PATH), "notes"));
}

/** The host API's onGroupErased hook: removes the group's notes file, if notes are on. */
export function notesErasureOf(
  env: Pick<Env, "AGENT_NOTES_DIR" | "DATABASE_PATH">,
): ((group: string) => Promise<void>) | undefined {
  const notesDir = notesDirOf(env);
  if (notesDir === undefined) return undefined;
  return (group) => fs.rm(notesFileOf(path.resolve(notesDir), group), { force: true });
}

export function agentRegistryOf(
  env: Pick<Env, "AGENT_MCP_CONFIG" | "AGENT_NOTES_DIR" | "DATABASE_PATH">,
): AgentRegistry {
  const notesDir = notesDirOf(env);
  const registry = createAgentRegistry([createWorkspaceAssistant({ notesDir })]);
  if (!env.AGENT_MCP_CONFIG) return registry;
  try {
    return withMcpConfig(registry, env.AGENT_MCP_CONFIG);
  } catch (error) {
    throw new EnvError(`Invalid environment:\n  AGENT_MCP_CONFIG: ${(error as Error).message}`);
  }
}
