import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventsUntil, runFinished, setup, teardown, textOf } from "../../test/harness.ts";
import { defineAgent, defineTool } from "../agent.ts";
import { createAgentRegistry } from "../registry.ts";
import type { ToolCallPart } from "../types.ts";

afterEach(teardown);

let released: (() => void) | null = null;

const agent = defineAgent({
  id: "tester",
  name: "Tester",
  description: "Tools that misbehave.",
  instructions: "Test.",
  tools: {
    explode: defineTool({
      description: "Explode with an error.",
      inputSchema: z.object({}),
      execute: () => {
        throw new Error("the fuse was lit");
      },
    }),
    nothing: defineTool({
      description: "Return nothing at all.",
      inputSchema: z.object({}),
      execute: () => undefined,
    }),
    stall: defineTool({
      description: "Stall forever, ignoring the abort signal.",
      inputSchema: z.object({}),
      execute: () =>
        new Promise<void>((resolve) => {
          released = resolve;
        }),
    }),
  },
});

const scope = { contextGroup: "team:1", agentIds: ["tester"] };

async function turn(text: string, options: { maxSteps?: number } = {}) {
  const { runtime, db } = setup({ agents: createAgentRegistry([agent]), ...options });
  const { context, sent } = await runtime.createContext(scope, {
    agentId: "tester",
    firstMessage: text,
  });
  return { runtime, db, context, sent: sent! };
}

async function reply(runtime: Awaited<ReturnType<typeof turn>>["runtime"], contextId: string) {
  const { items } = await runtime.listMessages(scope, contextId, { limit: 10 });
  const message = items.at(-1)!;
  return {
    calls: message.parts.filter((p): p is ToolCallPart => p.type === "tool-call"),
    text: textOf(message),
  };
}

describe("tool calls that go wrong", () => {
  it("record a throwing tool as failed and let the model answer", async () => {
    const { runtime, context, sent } = await turn("explode");
    const events = await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
    expect(events.at(-1)!.event).toMatchObject({ status: "completed" });
    const { calls, text } = await reply(runtime, context.id);
    expect(calls).toEqual([
      expect.objectContaining({ toolName: "explode", state: "failed", error: "the fuse was lit" }),
    ]);
    expect(text).toBe("explode failed: the fuse was lit");
  });

  it("store a tool's missing result as null", async () => {
    const { runtime, context, sent } = await turn("nothing");
    await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
    const { calls } = await reply(runtime, context.id);
    expect(calls[0]).toMatchObject({ state: "completed", output: null });
  });

  it("cancel promptly even when a tool ignores the abort signal", async () => {
    const { runtime, db, context, sent } = await turn("stall");
    await eventsUntil(
      runtime,
      scope,
      context.id,
      (event) => event.type === "message.part" && event.part.type === "tool-call",
    );
    expect(await runtime.cancel(scope, context.id)).toEqual({ cancelled: true });
    expect(db.prepare("SELECT status FROM run WHERE id = ?").pluck().get(sent.runId)).toBe(
      "cancelled",
    );
    expect((await reply(runtime, context.id)).calls[0]).toMatchObject({
      state: "cancelled",
      error: "Cancelled before the tool finished.",
    });
    released?.();
  });

  it("end a run that exceeds the step limit as failed, saying why", async () => {
    const { runtime, context, sent } = await turn("explode nothing", { maxSteps: 1 });
    const events = await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
    expect(events.at(-1)!.event).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/stopped after 1 model steps/),
    });
  });
});
