// The demo assistant's notes as the server configures them from AGENT_NOTES_DIR, and an
// AGENT_MCP_CONFIG server added after them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { agentRegistryOf } from "../../../apps/server/src/agents.ts";
import { parseEnv } from "../../../apps/server/src/env.ts";

const everything = {
  name: "everything",
  transport: "stdio",
  command: "node",
  args: ["server.js"],
  tools: { echo: { needsApproval: false } },
};

describe("the demo assistant's notes", () => {
  it("come first, before the servers AGENT_MCP_CONFIG adds", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-demo-mcp-"));
    const file = path.join(dir, "mcp.json");
    fs.writeFileSync(file, JSON.stringify({ agents: { "workspace-assistant": [everything] } }));
    const env = parseEnv({ AGENT_MCP_CONFIG: file, AGENT_NOTES_DIR: "/tmp/notes" });
    const agent = agentRegistryOf(env).get("workspace-assistant")!;
    expect(agent.mcpServers?.map((server) => server.name)).toEqual(["notes", "everything"]);
  });

  it("are left out with AGENT_NOTES_DIR=off", () => {
    const env = parseEnv({ AGENT_NOTES_DIR: "off" });
    expect(agentRegistryOf(env).get("workspace-assistant")!.mcpServers).toBeUndefined();
  });
});
