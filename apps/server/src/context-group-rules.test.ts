// Context group rules over HTTP: the server's format and an agent's own rule, and a refusal that
// describes the rule that was broken. (The demo door's rule: examples/workspace-demo/test.)
import { createAgentRegistry, defineAgent } from "@agent-access/agents";
import { testAssistant } from "@agent-access/agents/testing";
import { type ApiConfig, DEFAULT_CONTEXT_GROUP_PATTERN } from "@agent-access/api";
import { createApiKey } from "@agent-access/db";
import { afterAll, describe, expect, it } from "vitest";
import { postTicket, startTestServer, type TestServer } from "../test/harness.ts";

const ordersAssistant = defineAgent({
  id: "orders-assistant",
  name: "Orders assistant",
  description: "Answers questions about the orders of a shop.",
  instructions: "You answer questions about orders.",
  tools: {},
  contextGroup: {
    pattern: /shop:\d+:staff:\d+/,
    description: "shop:<shop id>:staff:<staff id>, such as shop:3:staff:9",
  },
});

const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((server) => server.close())));

async function serverWith(config: Partial<ApiConfig> = {}) {
  const server = await startTestServer({
    agents: createAgentRegistry([testAssistant, ordersAssistant]),
    config,
  });
  servers.push(server);
  const { key } = createApiKey(server.db, "backend");
  return async (agentIds: string[], group: string) => {
    const response = await postTicket(server, key, {
      ticket_type: "agent_access",
      agent_ids: agentIds,
      agent_session_identifier: "static",
      context_group: group,
    });
    const body = (await response.json()) as { error?: { code: string; message: string } };
    return { status: response.status, message: body.error?.message };
  };
}

describe("the server's format", () => {
  it("is described as segment:value pairs by default", async () => {
    const mint = await serverWith();
    expect(await mint(["test-assistant"], "global")).toEqual({
      status: 422,
      message:
        "context_group does not fit this server's format: segment:value pairs, such as workspace:42:user:7",
    });
  });

  it("once configured, is described by its description, or its pattern: never the default's", async () => {
    const bare = await serverWith({ contextGroupPattern: /^(?:team-\d+)$/ });
    expect(await bare(["test-assistant"], "team-7")).toEqual({
      status: 201,
      message: undefined,
    });
    const refused = await bare(["test-assistant"], "workspace:42:user:7");
    expect(refused).toEqual({
      status: 422,
      message:
        "context_group does not fit this server's format: a whole match of the pattern ^(?:team-\\d+)$",
    });

    const described = await serverWith({
      contextGroupPattern: /^(?:team-\d+)$/,
      contextGroupDescription: "team-<number>, such as team-7",
    });
    expect((await described(["test-assistant"], "workspace:42:user:7")).message).toBe(
      "context_group does not fit this server's format: team-<number>, such as team-7",
    );
  });
});

describe("an agent's own rule", () => {
  it("replaces the server's format for that agent, matched against the whole group", async () => {
    const mint = await serverWith({ contextGroupPattern: DEFAULT_CONTEXT_GROUP_PATTERN });
    expect((await mint(["orders-assistant"], "shop:3:staff:9")).status).toBe(201);
    for (const group of ["workspace:42:user:7", "shop:3:staff:9:x", "xshop:3:staff:9"]) {
      expect(await mint(["orders-assistant"], group), group).toEqual({
        status: 422,
        message:
          'context_group does not fit the rule of agent "orders-assistant": shop:<shop id>:staff:<staff id>, such as shop:3:staff:9',
      });
    }
    // The demo agent, without a rule of its own, still follows the server's format.
    expect((await mint(["test-assistant"], "workspace:42:user:7")).status).toBe(201);
  });

  it("applies beside the others when a ticket names several agents: each broken rule is named", async () => {
    const mint = await serverWith({ contextGroupPattern: /^(?:team-\d+)$/ });
    const both = ["test-assistant", "orders-assistant"];
    expect(await mint(both, "shop:3:staff:9")).toEqual({
      status: 422,
      message:
        "context_group does not fit this server's format: a whole match of the pattern ^(?:team-\\d+)$",
    });
    expect((await mint(both, "team-7")).message).toBe(
      'context_group does not fit the rule of agent "orders-assistant": shop:<shop id>:staff:<staff id>, such as shop:3:staff:9',
    );
    expect((await mint(both, " ")).message).toBe("context_group is empty");
  });
});
