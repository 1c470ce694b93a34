// The hub's tool lists: taken from the server at run start, reused within MCP_TOOLS_CACHE_MS
// (no process is started for a run that only offers the tools), listed again after it.
import { afterEach, describe, expect, it } from "vitest";
import { childPids, EVERYTHING_BIN, everythingServer } from "../../test/mcp.ts";
import { defineAgent, MCP_TOOLS_CACHE_MS } from "../index.ts";
import { McpHub } from "./hub.ts";

const hubs: McpHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

const agent = defineAgent({
  id: "lister",
  name: "Lister",
  description: "Lists tools.",
  instructions: "",
  tools: {},
  mcpServers: [everythingServer()],
});
const scope = { contextGroup: "team:1", hostContext: {} };

describe("McpHub", () => {
  it("reuses a tool list for MCP_TOOLS_CACHE_MS, starting no process meanwhile", async () => {
    let now = 1_000_000;
    const hub = new McpHub(() => now);
    hubs.push(hub);

    const first = await hub.openRun(agent, scope);
    expect(Object.keys(first.tools)).toContain("everything_echo");
    expect(first.tools.everything_echo).toMatchObject({
      needsApproval: true,
      modelInputSchema: { type: "object", properties: { message: { type: "string" } } },
    });
    expect(childPids(EVERYTHING_BIN)).toHaveLength(1);
    await first.close();
    expect(childPids(EVERYTHING_BIN)).toEqual([]);

    now += MCP_TOOLS_CACHE_MS - 1;
    const cached = await hub.openRun(agent, scope);
    expect(Object.keys(cached.tools)).toEqual(Object.keys(first.tools));
    expect(childPids(EVERYTHING_BIN)).toEqual([]);
    await cached.close();

    now += 1;
    const listedAgain = await hub.openRun(agent, scope);
    expect(childPids(EVERYTHING_BIN)).toHaveLength(1);
    await listedAgain.close();
    expect(childPids(EVERYTHING_BIN)).toEqual([]);
  });

  it("lists again for a group whose tenancy differs", async () => {
    const hub = new McpHub();
    hubs.push(hub);
    const perGroup = defineAgent({
      ...agent,
      mcpServers: [
        everythingServer({ tenancy: ({ contextGroup }) => ({ env: { G: contextGroup } }) }),
      ],
    });
    const one = await hub.openRun(perGroup, scope);
    await one.close();
    const other = await hub.openRun(perGroup, { ...scope, contextGroup: "team:2" });
    expect(childPids(EVERYTHING_BIN)).toHaveLength(1);
    await other.close();
  });

  it("with sharedToolList, lists once for every group, and concurrent runs share the listing", async () => {
    const hub = new McpHub();
    hubs.push(hub);
    const shared = defineAgent({
      ...agent,
      mcpServers: [
        everythingServer({
          sharedToolList: true,
          tenancy: ({ contextGroup }) => ({ env: { G: contextGroup } }),
        }),
      ],
    });
    const [one, two] = await Promise.all([
      hub.openRun(shared, scope),
      hub.openRun(shared, { ...scope, contextGroup: "team:2" }),
    ]);
    expect(Object.keys(two.tools)).toEqual(Object.keys(one.tools));
    // One listing, on the first run's connection.
    expect(childPids(EVERYTHING_BIN)).toHaveLength(1);
    await Promise.all([one.close(), two.close()]);
    const three = await hub.openRun(shared, { ...scope, contextGroup: "team:3" });
    expect(childPids(EVERYTHING_BIN)).toEqual([]);
    expect(Object.keys(three.tools)).toContain("everything_echo");
    await three.close();
  });
});
