// AGENT_MCP_CONFIG: a JSON file of MCP servers per agent, validated at start with messages that
// name the bad field, and added to the agents the server offers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { TEST_AGENT, testAssistant } from "@agent-access/agents/testing";
import { describe, expect, it } from "vitest";
import { agentRegistryOf } from "./agents.ts";
import { parseEnv } from "./env.ts";

function configFile(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-mcp-config-"));
  const file = path.join(dir, "mcp.json");
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const everything = {
  name: "everything",
  transport: "stdio",
  command: "node",
  args: ["server.js"],
  tools: { echo: { needsApproval: false } },
};

// The framework's test agent as the app's agents: the file may name only agents the app has.
const app = { agents: [testAssistant] };

describe("AGENT_MCP_CONFIG", () => {
  it("adds the file's servers to the agent it names", () => {
    const file = configFile({ agents: { [TEST_AGENT]: [everything] } });
    const env = parseEnv({ AGENT_MCP_CONFIG: file });
    const agent = agentRegistryOf(env, app).get(TEST_AGENT)!;
    expect(agent.mcpServers?.map((server) => server.name)).toEqual(["everything"]);
    expect(agent.mcpServers?.[0]).toMatchObject(everything);
    expect(agentRegistryOf(parseEnv({}), app).get(TEST_AGENT)!.mcpServers).toBeUndefined();
  });

  it.each([
    [
      { agents: { "workspace-assistant": [{ ...everything, command: 7 }] } },
      /AGENT_MCP_CONFIG: .*mcp\.json: agents\.workspace-assistant\[0\]\.command: /,
    ],
    [
      { agents: { "workspace-assistant": [{ ...everything, transport: "sse" }] } },
      /agents\.workspace-assistant\[0\]\.transport: /,
    ],
    [
      { agents: { "workspace-assistant": [{ name: "web", transport: "http", url: "ftp://x" }] } },
      /agents\.workspace-assistant\[0\]\.url: /,
    ],
    [
      { agents: { "workspace-assistant": [{ ...everything, name: "has space" }] } },
      /agents\.workspace-assistant\[0\]\.name: must start with a letter/,
    ],
    [{ servers: [] }, /mcp\.json: agents: .*; servers: not a known field/],
    ["{ not json", /mcp\.json is not valid JSON/],
  ])("refuses a bad file naming the field (%#)", (content, message) => {
    const file = configFile(content);
    expect(() => parseEnv({ AGENT_MCP_CONFIG: file })).toThrow(message);
  });

  it("refuses a file that cannot be read, and an agent id no agent has", () => {
    expect(() => parseEnv({ AGENT_MCP_CONFIG: "/nonexistent/mcp.json" })).toThrow(
      /AGENT_MCP_CONFIG: cannot read \/nonexistent\/mcp\.json/,
    );
    const file = configFile({ agents: { ghost: [everything] } });
    const env = parseEnv({ AGENT_MCP_CONFIG: file });
    expect(() => agentRegistryOf(env, app)).toThrow(
      /AGENT_MCP_CONFIG: agents\.ghost: no agent has this id \(the agents are: test-assistant\)/,
    );
  });

  it("refuses two servers of one name", () => {
    const file = configFile({ agents: { [TEST_AGENT]: [everything, everything] } });
    const env = parseEnv({ AGENT_MCP_CONFIG: file });
    expect(() => agentRegistryOf(env, app)).toThrow(/two MCP servers named "everything"/);
  });
});
