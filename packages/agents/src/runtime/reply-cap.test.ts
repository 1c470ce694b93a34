// The reply cap (maxOutputTokens): passed to every model, and enforced by the engine for a model
// that ignores it, so that no reply grows without bound in memory or in the database.
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { afterEach, expect, it } from "vitest";
import { eventsUntil, runFinished, setup, teardown, textOf } from "../../test/harness.ts";
import { defineAgent } from "../agent.ts";
import { createBuiltinModel } from "../models/builtin.ts";
import { createAgentRegistry } from "../registry.ts";

afterEach(teardown);

/** The builtin model, deaf to maxOutputTokens, as a provider that ignores it would be. */
function ignoringCap(): LanguageModelV3 {
  const model = createBuiltinModel({ tokenDelayMs: 0 });
  return {
    ...model,
    doStream: (call) => model.doStream({ ...call, maxOutputTokens: undefined }),
    doGenerate: (call) => model.doGenerate({ ...call, maxOutputTokens: undefined }),
  };
}

const agent = (maxOutputTokens?: number) =>
  defineAgent({
    id: "talker",
    name: "Talker",
    description: "Talks.",
    instructions: "Talk.",
    tools: {},
    maxOutputTokens,
  });

async function reply(options: { model?: LanguageModelV3; maxOutputTokens?: number }) {
  const talker = agent(options.maxOutputTokens);
  const { runtime } = setup({
    model: options.model,
    agents: createAgentRegistry([talker]),
  });
  const scope = { contextGroup: "team:1", agentIds: [talker.id] };
  const { context, sent } = await runtime.createContext(scope, {
    agentId: talker.id,
    firstMessage: "stream 200000 words",
  });
  await eventsUntil(runtime, scope, context.id, runFinished(sent!.runId));
  const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
  return { text: textOf(items.at(-1)) };
}

it("stops the builtin model at the agent's maxOutputTokens", async () => {
  const { text } = await reply({ maxOutputTokens: 50 });
  expect(text.split(" ")).toHaveLength(50);
});

it("uses the runtime's default cap for an agent that sets none", async () => {
  const { text } = await reply({});
  expect(text.split(" ")).toHaveLength(4096);
});

it("cuts off a model that ignores maxOutputTokens at 16 characters a token", async () => {
  const { text } = await reply({ model: ignoringCap(), maxOutputTokens: 20 });
  expect(text.length).toBe(20 * 16);
});
