// The demo's own ticket door (workspace.issueAgentTicket) hands out the demo's agent only (an
// agent an app registers beside it must not reach the demo's users through the demo's tickets),
// and mints its workspace groups whatever the server's format.
import { createAgentRegistry, defineAgent, defineTool } from "@agent-access/agents";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { z } from "zod";
import {
  CookieClient,
  refusal,
  signUp,
  startTestServer,
  type TestServer,
} from "../../../apps/server/test/harness.ts";
import { workspaceAssistant } from "../src/index.ts";

// An app's own agent, registered on the same server as the demo.
const ordersAssistant = defineAgent({
  id: "orders-assistant",
  name: "Orders assistant",
  description: "Answers questions about orders.",
  instructions: "You answer questions about orders.",
  tools: {
    getOrderStatus: defineTool({
      description: "The status of an order.",
      inputSchema: z.object({ orderId: z.string() }),
      execute: ({ orderId }) => ({ summary: `Order ${orderId} has shipped.` }),
    }),
  },
});

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    agents: createAgentRegistry([workspaceAssistant, ordersAssistant]),
  });
});
afterAll(() => server.close());

describe("the demo's ticket door", () => {
  it.each(["static", "signin"] as const)(
    "grants a %s session the demo's agent and not an app's agent registered beside it",
    async (sessionType) => {
      const owner = new CookieClient(server.url);
      await signUp(owner);
      const workspace = await owner.trpc.workspace.create.mutate({ name: "Acme" });
      const issued = await owner.trpc.workspace.issueAgentTicket.mutate({
        workspaceId: workspace.id,
        sessionType,
      });
      const exchanged = await owner.trpc.session.exchange.mutate({ ticket: issued.ticket });
      expect(exchanged.agents.map((agent) => agent.id)).toEqual(["workspace-assistant"]);

      const withOrders = await refusal(
        owner.trpc.context.create.mutate({
          agentId: "orders-assistant",
          firstMessage: "Has SD-1001 shipped?",
        }),
      );
      expect(withOrders.code).toBe("NOT_FOUND");
      const withDemo = await owner.trpc.context.create.mutate({ title: "Webhooks" });
      expect(withDemo.context.agentId).toBe("workspace-assistant");
    },
  );
});

describe("the demo's ticket door's group rule", () => {
  it("mints its workspace groups under a stricter server format", async () => {
    const strict = await startTestServer({ config: { contextGroupPattern: /^(?:shop:\d+)$/ } });
    onTestFinished(() => strict.close());
    const owner = new CookieClient(strict.url);
    const user = await signUp(owner);
    const workspace = await owner.trpc.workspace.create.mutate({ name: "Acme" });
    const issued = await owner.trpc.workspace.issueAgentTicket.mutate({
      workspaceId: workspace.id,
      sessionType: "static",
    });
    const exchanged = await owner.trpc.session.exchange.mutate({ ticket: issued.ticket });
    expect(exchanged.contextGroup).toBe(`workspace:${workspace.id}:user:${user.id}`);
  });
});

describe("the demo's ticket door's host context", () => {
  it("from the demo's door names the user and the workspace", async () => {
    const user = new CookieClient(server.url);
    await signUp(user, { name: "Grace Hopper" });
    const workspace = await user.trpc.workspace.create.mutate({ name: "Compilers" });
    const issued = await user.trpc.workspace.issueAgentTicket.mutate({
      workspaceId: workspace.id,
      sessionType: "static",
    });
    const exchanged = await user.trpc.session.exchange.mutate({ ticket: issued.ticket });
    expect(exchanged.hostContext).toEqual({
      userName: "Grace Hopper",
      workspaceId: workspace.id,
      workspaceName: "Compilers",
      role: "owner",
    });
  });
});
