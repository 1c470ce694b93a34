// The tools of one run: the agent's own, then its MCP servers' (listed at run start). A server
// that could not be listed becomes a failed tool card, so the user sees why its tools are
// missing and the model reads the same reason as a tool result.
import { randomUUID } from "node:crypto";
import type { AgentDefinition } from "../agent.ts";
import type { HostContext, ToolCallPart } from "../types.ts";
import type { McpHub } from "./hub.ts";

export interface RunTools {
  /** The agent with its MCP tools beside its own. */
  agent: AgentDefinition;
  unavailableParts: ToolCallPart[];
  close(): Promise<void>;
}

/** The tool name on the card of a server that could not be listed, e.g. `mcp_notes`. */
export function unavailableToolName(server: string): string {
  return `mcp_${server}`;
}

export async function openRunTools(
  hub: McpHub,
  agent: AgentDefinition,
  scope: { contextGroup: string; hostContext: HostContext },
): Promise<RunTools> {
  if (!agent.mcpServers?.length) {
    return { agent, unavailableParts: [], close: async () => {} };
  }
  const mcp = await hub.openRun(agent, scope);
  return {
    agent: { ...agent, tools: { ...agent.tools, ...mcp.tools } },
    unavailableParts: mcp.unavailable.map((server) => ({
      type: "tool-call",
      toolCallId: `mcp_${randomUUID()}`,
      toolName: unavailableToolName(server.name),
      input: { server: server.name },
      state: "failed",
      error: `${server.error} Its tools are left out of this reply; try again later.`,
    })),
    close: mcp.close,
  };
}
