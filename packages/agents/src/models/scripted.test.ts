// The scripted test model driving a real run through the engine: an app's own agent with its
// tools, an approval and a question, as an app's unit tests would use it.
import { type Db, migrate, openDatabase } from "@agent-access/db";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { askUser, defineAgent, defineTool } from "../agent.ts";
import { createAgentRegistry } from "../registry.ts";
import { type AgentRuntime, createAgentRuntime } from "../runtime/runtime.ts";
import { createScriptedModel, type ScriptedTurn } from "../testing.ts";
import type { ContextEvent, ContextMessage, ToolCallPart } from "../types.ts";

const orders: Record<string, { status: string; total: number }> = {
  "SD-1001": { status: "shipped", total: 42 },
};
const refunded: string[] = [];

const ordersAssistant = defineAgent({
  id: "orders-assistant",
  name: "Orders assistant",
  description: "Answers questions about orders.",
  instructions: "You answer questions about orders.",
  tools: {
    getOrderStatus: defineTool({
      description: "The status of an order of this shop.",
      inputSchema: z.object({ orderId: z.string() }),
      execute: ({ orderId }, { contextGroup }) => ({ orderId, contextGroup, ...orders[orderId]! }),
    }),
    refundOrder: defineTool({
      description: "Refund an order once it has shipped.",
      inputSchema: z.object({ orderId: z.string() }),
      needsApproval: true,
      execute: ({ orderId }) => {
        refunded.push(orderId);
        return { refunded: orderId };
      },
    }),
    askUser,
  },
});

const scope = { contextGroup: "shop:3:staff:9", agentIds: ["orders-assistant"] };
const opened: { db: Db; runtime: AgentRuntime }[] = [];
afterEach(async () => {
  for (const { db, runtime } of opened.splice(0)) {
    await runtime.close();
    db.close();
  }
  refunded.length = 0;
});

/** Failures the runtime logged, by reference (logFailure). */
const logged = new Map<string, unknown>();

function start(turns: ScriptedTurn[]) {
  const db = openDatabase(":memory:");
  migrate(db);
  const model = createScriptedModel(turns);
  const runtime = createAgentRuntime({
    db,
    agents: createAgentRegistry([ordersAssistant]),
    model,
    logFailure: (reference, error) => logged.set(reference, error),
  });
  opened.push({ db, runtime });
  return { runtime, model };
}

/** Waits for the first event after `afterSeq` that `stop` accepts. */
async function until(
  runtime: AgentRuntime,
  contextId: string,
  stop: (event: ContextEvent) => boolean,
  afterSeq = 0,
): Promise<ContextEvent> {
  const controller = new AbortController();
  for await (const { event } of runtime.events(scope, contextId, {
    afterSeq,
    signal: controller.signal,
  })) {
    if (stop(event)) {
      controller.abort();
      return event;
    }
  }
  throw new Error("the event stream ended first");
}

const finished = (event: ContextEvent) => event.type === "run.finished";
const waiting = (event: ContextEvent) => event.type === "run.waiting";

async function reply(runtime: AgentRuntime, contextId: string): Promise<ContextMessage> {
  const { items } = await runtime.listMessages(scope, contextId, { limit: 50 });
  return items.at(-1)!;
}

const textOf = (message: ContextMessage) =>
  message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
const callsOf = (message: ContextMessage) =>
  message.parts.filter((part): part is ToolCallPart => part.type === "tool-call");

describe("the scripted model in the engine", () => {
  it("calls the scripted tool with the scripted input, then replies from its result", async () => {
    const { runtime, model } = start([
      {
        when: "Has SD-1001 shipped?",
        calls: [{ tool: "getOrderStatus", input: { orderId: "SD-1001" } }],
        reply: ([status]) => {
          const output = status?.output as { status: string; contextGroup: string };
          return `SD-1001 has ${output.status} (${output.contextGroup}).`;
        },
      },
    ]);
    const { context } = await runtime.createContext(scope, {
      agentId: "orders-assistant",
      firstMessage: "Has SD-1001 shipped?",
    });
    expect(await until(runtime, context.id, finished)).toMatchObject({ status: "completed" });

    const answer = await reply(runtime, context.id);
    expect(callsOf(answer)).toEqual([
      expect.objectContaining({
        toolName: "getOrderStatus",
        input: { orderId: "SD-1001" },
        state: "completed",
        output: {
          orderId: "SD-1001",
          contextGroup: "shop:3:staff:9",
          status: "shipped",
          total: 42,
        },
      }),
    ]);
    expect(textOf(answer)).toBe("SD-1001 has shipped (shop:3:staff:9).");
    // Two model steps: the call, then the reply; the agent's instructions came along.
    expect(model.prompts).toHaveLength(2);
    expect(model.prompts[0]![0]).toEqual({
      role: "system",
      content: "You answer questions about orders.",
    });
  });

  it("waits for approval like any model, and hears about a denial", async () => {
    const { runtime } = start([
      {
        when: /refund/i,
        calls: [{ tool: "refundOrder", input: { orderId: "SD-1001" } }],
        reply: ([refund]) => (refund?.denied ? "I did not refund it." : "Refunded."),
      },
    ]);
    const { context } = await runtime.createContext(scope, {
      agentId: "orders-assistant",
      firstMessage: "Please refund SD-1001",
    });
    const paused = await until(runtime, context.id, waiting);
    expect(paused).toMatchObject({
      reason: "approval",
      toolName: "refundOrder",
      input: { orderId: "SD-1001" },
    });
    if (paused.type !== "run.waiting") throw new Error("not waiting");
    const { lastEventId } = await runtime.getContext(scope, context.id);
    await runtime.respondToApproval(scope, context.id, {
      toolCallId: paused.toolCallId,
      decision: "deny",
    });
    await until(runtime, context.id, finished, lastEventId);
    expect(refunded).toEqual([]);
    expect(textOf(await reply(runtime, context.id))).toBe("I did not refund it.");
  });

  it("plays several calls in order, an answer to askUser among them, then the next turn", async () => {
    const { runtime } = start([
      {
        when: "refund my order",
        calls: [
          { tool: "askUser", input: { question: "Which order?" } },
          { tool: "refundOrder", input: { orderId: "SD-1001" } },
        ],
        reply: (results) => results.map((result) => JSON.stringify(result.output)).join(" then "),
      },
      { when: "thanks", reply: "You are welcome." },
    ]);
    const { context } = await runtime.createContext(scope, {
      agentId: "orders-assistant",
      firstMessage: "refund my order",
    });
    const question = await until(runtime, context.id, waiting);
    expect(question).toMatchObject({ reason: "input", question: "Which order?" });
    if (question.type !== "run.waiting") throw new Error("not waiting");
    let { lastEventId } = await runtime.getContext(scope, context.id);
    await runtime.submitInput(scope, context.id, {
      toolCallId: question.toolCallId,
      value: "SD-1001",
    });
    const approval = await until(runtime, context.id, waiting, lastEventId);
    if (approval.type !== "run.waiting") throw new Error("not waiting");
    ({ lastEventId } = await runtime.getContext(scope, context.id));
    await runtime.respondToApproval(scope, context.id, {
      toolCallId: approval.toolCallId,
      decision: "allow_once",
    });
    await until(runtime, context.id, finished, lastEventId);
    expect(refunded).toEqual(["SD-1001"]);
    expect(textOf(await reply(runtime, context.id))).toBe(
      '{"answer":"SD-1001"} then {"refunded":"SD-1001"}',
    );

    ({ lastEventId } = await runtime.getContext(scope, context.id));
    await runtime.send(scope, context.id, { text: "thanks" });
    await until(runtime, context.id, finished, lastEventId);
    const last = await reply(runtime, context.id);
    expect(callsOf(last)).toEqual([]);
    expect(textOf(last)).toBe("You are welcome.");
  });

  it("fails the run when no turn answers it, logging the message it had no turn for", async () => {
    const { runtime } = start([{ when: "hello", reply: "Hi." }]);
    const { context } = await runtime.createContext(scope, {
      agentId: "orders-assistant",
      firstMessage: "Where is my parcel?",
    });
    const event = await until(runtime, context.id, finished);
    expect(event).toMatchObject({ status: "failed" });
    // The user is told a reference; the log has the detail under it.
    const reference = /\(reference (err_\w+)\)/.exec(
      (event as { error?: string }).error ?? "",
    )?.[1];
    expect(String(logged.get(reference!))).toContain(
      'no turn for the message "Where is my parcel?"',
    );
  });
});
