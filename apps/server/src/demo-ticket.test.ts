// The demo's own ticket door (workspace.issueAgentTicket) hands out the demo's agent only: an
// agent an app registers beside it must not reach the demo's users through the demo's tickets.
import {
  createAgentRegistry,
  defineAgent,
  defineTool,
  workspaceAssistant,
} from "@agent-access/agents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CookieClient,
  signUp,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../test/harness.ts";

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
      const workspace = await trpcResult<{ id: string }>(
        await owner.mutation("workspace.create", { name: "Acme" }),
      );
      const issued = await trpcResult<{ ticket: string }>(
        await owner.mutation("workspace.issueAgentTicket", {
          workspaceId: workspace.data!.id,
          sessionType,
        }),
      );
      const exchanged = await trpcResult<{ agents: { id: string }[] }>(
        await owner.mutation("session.exchange", { ticket: issued.data!.ticket }),
      );
      expect(exchanged.data!.agents.map((agent) => agent.id)).toEqual(["workspace-assistant"]);

      const withOrders = await trpcResult(
        await owner.mutation("context.create", {
          agentId: "orders-assistant",
          firstMessage: "Has SD-1001 shipped?",
        }),
      );
      expect(withOrders.error?.code).toBe("NOT_FOUND");
      const withDemo = await trpcResult<{ context: { agentId: string } }>(
        await owner.mutation("context.create", { title: "Webhooks" }),
      );
      expect(withDemo.data!.context.agentId).toBe("workspace-assistant");
    },
  );
});
