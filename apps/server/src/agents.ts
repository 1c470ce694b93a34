// The agents this server offers: the app's (app.config.ts), plus the MCP servers of the
// AGENT_MCP_CONFIG file. The demo's assistant gets its notes MCP server here, from the
// environment (AGENT_NOTES_DIR), on the lines marked "demo"; a group's erasure removes its
// notes file through groupErasureOf.
import {
  type AgentDefinition,
  type AgentRegistry,
  createAgentRegistry,
  withMcpConfig,
} from "@agent-access/agents";
import type { AppDefinition } from "@agent-access/api";
import * as workspaceDemo from "@agent-access/workspace-demo"; // demo
import { app as appDefinition } from "./app.config.ts";
import { type Env, EnvError } from "./env.ts";

type AgentsEnv = Pick<Env, "AGENT_MCP_CONFIG" | "AGENT_NOTES_DIR" | "DATABASE_PATH">;

/** A group erasure's own step: removes what an app part keeps outside the database. */
type GroupErasure = (group: string) => Promise<void>;

/** What the app's agents become from the environment, in order. */
const configure: ((agents: AgentDefinition[], env: AgentsEnv) => AgentDefinition[])[] = [
  // An app part's agents with what only the environment knows (directories, keys).
  workspaceDemo.withDemoNotes, // demo
];

/** What a group's erasure also removes, from the environment (files an app part keeps). */
const erasures: ((env: AgentsEnv) => GroupErasure | undefined)[] = [
  // An app part's step for what it keeps per group outside the database (files, a folder).
  workspaceDemo.demoNotesErasure, // demo
];

export function agentRegistryOf(
  env: AgentsEnv,
  app: Pick<AppDefinition, "agents"> = appDefinition,
): AgentRegistry {
  const agents = configure.reduce((list, step) => step(list, env), [...app.agents]);
  const registry = createAgentRegistry(agents);
  if (!env.AGENT_MCP_CONFIG) return registry;
  try {
    return withMcpConfig(registry, env.AGENT_MCP_CONFIG);
  } catch (error) {
    throw new EnvError(`Invalid environment:\n  AGENT_MCP_CONFIG: ${(error as Error).message}`);
  }
}

/**
 * The host API's onGroupErased hook: each app part's erasure step in turn (the demo's removes
 * the group's notes file), or undefined when no part keeps anything outside the database.
 */
export function groupErasureOf(env: AgentsEnv): GroupErasure | undefined {
  const steps = erasures
    .map((erasure) => erasure(env))
    .filter((step): step is GroupErasure => step !== undefined);
  if (steps.length === 0) return undefined;
  return async (group) => {
    for (const step of steps) await step(group);
  };
}
