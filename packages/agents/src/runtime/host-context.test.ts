// Host context reaches the agent: its instructions template and every tool's context, from the
// scope of the call that started (or resumed) the run.

import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventsUntil, runFinished, setup, teardown } from "../../test/harness.ts";
import { createAgentRegistry, defineAgent, defineTool, type ToolCallPart } from "../index.ts";
import { createScriptedModel } from "../testing.ts";

describeEachDialect("host-context", () => {
  afterEach(teardown);

  const seen: unknown[] = [];
  const agent = defineAgent({
    id: "concierge",
    name: "Concierge",
    description: "Greets the user.",
    instructions: ({ hostContext, contextGroup }) =>
      `Greet ${String(hostContext.userName ?? "the user")} of ${String(hostContext.workspaceName ?? "?")} (${contextGroup}).`,
    tools: {
      whoAmI: defineTool({
        description: "Who the user is.",
        inputSchema: z.object({}),
        needsApproval: true,
        execute: (_input, context) => {
          seen.push(context.hostContext);
          return { name: context.hostContext.userName ?? null };
        },
      }),
    },
  });

  describe("host context", () => {
    it("fills the instructions template and reaches tools, also after an approval", async () => {
      const model = createScriptedModel([{ calls: [{ tool: "whoAmI" }], reply: "Hello" }]);
      const { runtime } = await setup({ agents: createAgentRegistry([agent]), model });
      const scope = {
        contextGroup: "team:9",
        agentIds: ["concierge"],
        hostContext: { userName: "Ada", workspaceName: "Engines" },
      };
      const { context } = await runtime.createContext(scope, { agentId: "concierge" });
      await runtime.send(scope, context.id, { text: "who am I?" });
      const events = await eventsUntil(runtime, scope, context.id, (e) => e.type === "run.waiting");
      const waiting = events.at(-1)!.event;
      if (waiting.type !== "run.waiting") throw new Error("not waiting");
      await runtime.respondToApproval(scope, context.id, {
        toolCallId: waiting.toolCallId,
        decision: "allow_once",
      });
      await eventsUntil(runtime, scope, context.id, runFinished());

      expect(model.prompts[0]![0]).toEqual({
        role: "system",
        content: "Greet Ada of Engines (team:9).",
      });
      expect(seen).toEqual([{ userName: "Ada", workspaceName: "Engines" }]);
      const { items } = await runtime.listMessages(scope, context.id, { limit: 5 });
      const call = items.at(-1)!.parts[0] as ToolCallPart;
      expect(call).toMatchObject({ state: "completed", output: { name: "Ada" } });
    });

    it("is {} for a scope without one", async () => {
      const model = createScriptedModel([{ reply: "Hello" }]);
      const { runtime } = await setup({ agents: createAgentRegistry([agent]), model });
      const scope = { contextGroup: "team:9", agentIds: ["concierge"] };
      const { context } = await runtime.createContext(scope, { agentId: "concierge" });
      await runtime.send(scope, context.id, { text: "hi" });
      await eventsUntil(runtime, scope, context.id, runFinished());
      expect(model.prompts[0]![0]).toEqual({
        role: "system",
        content: "Greet the user of ? (team:9).",
      });
    });
  });
});
