// Adding the MCP servers of an AGENT_MCP_CONFIG file to the agents defined in code.
import fs from "node:fs";
import { type AgentDefinition, defineAgent } from "../agent.ts";
import { type AgentRegistry, createAgentRegistry } from "../registry.ts";
import { describeConfigIssues, type McpConfigFile, mcpConfigFileSchema } from "./config.ts";

/** Reads and validates a config file; the error names the file and each bad field. */
export function readMcpConfigFile(file: string): McpConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const result = mcpConfigFileSchema.safeParse(json);
  if (!result.success) throw new Error(`${file}: ${describeConfigIssues(result.error).join("; ")}`);
  return result.data;
}

/**
 * The registry's agents with the file's servers added after their own. An agent id the
 * registry does not know is an error that names it.
 */
export function withMcpConfig(registry: AgentRegistry, config: McpConfigFile): AgentRegistry {
  for (const id of Object.keys(config.agents)) {
    if (!registry.get(id)) {
      const known = registry
        .list()
        .map((agent) => agent.id)
        .join(", ");
      throw new Error(`agents.${id}: no agent has this id (the agents are: ${known})`);
    }
  }
  return createAgentRegistry(
    registry.list().map((agent): AgentDefinition => {
      const added = config.agents[agent.id];
      if (!added?.length) return agent;
      return defineAgent({ ...agent, mcpServers: [...(agent.mcpServers ?? []), ...added] });
    }),
  );
}
