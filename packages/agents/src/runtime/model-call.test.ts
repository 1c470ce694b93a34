// A model step as the engine reads it from the model's own stream (model-call.ts): what the
// model sends becomes the reply, its tool calls are checked against the tools' schemas, a failed
// call is retried, an error in the stream fails the run, usage is counted, and a model that
// ignores the abort signal is stopped all the same.

import { describeEachDialect } from "@agent-access/db/testing";
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
} from "@ai-sdk/provider";
import { APICallError } from "ai";
import { afterEach, expect, it } from "vitest";
import { z } from "zod";
import { eventsUntil, runFinished, setup, teardown, textOf } from "../../test/harness.ts";
import { defineAgent, defineTool } from "../agent.ts";
import { createAgentRegistry } from "../registry.ts";
import type { ToolCallPart } from "../types.ts";

/** One model step: the parts to stream, or a stream that never ends after them. */
interface Step {
  parts: LanguageModelV3StreamPart[];
  hang?: boolean;
}

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

const finish = (input = 0, output = 0): LanguageModelV3StreamPart => ({
  type: "finish",
  finishReason: { unified: "stop", raw: "stop" },
  usage: usage(input, output),
});

/** A text part begun and its first delta, left open. */
const opened = (delta: string): LanguageModelV3StreamPart[] => [
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta },
];

const text = (delta: string): LanguageModelV3StreamPart[] => [
  ...opened(delta),
  { type: "text-end", id: "t" },
];

const toolCall = (toolName: string, input: string): LanguageModelV3StreamPart => ({
  type: "tool-call",
  toolCallId: `call-${toolName}`,
  toolName,
  input,
});

/**
 * A model that streams `steps` in order, one per call, ignoring the abort signal as a careless
 * provider might; `failures` calls fail first with a retryable error, as an overloaded API does.
 */
function playedModel(steps: Step[], failures = 0) {
  const calls: LanguageModelV3CallOptions[] = [];
  const model: LanguageModelV3 = {
    specificationVersion: "v3",
    provider: "test",
    modelId: "played",
    supportedUrls: {},
    // The conversation's title, asked for once the first reply is done.
    doGenerate: async () => ({
      content: [{ type: "text", text: "Adding numbers" }],
      finishReason: { unified: "stop", raw: "stop" },
      usage: usage(0, 0),
      warnings: [],
    }),
    doStream: async (options) => {
      calls.push(options);
      if (calls.length <= failures) {
        throw new APICallError({
          message: "overloaded",
          url: "https://model.invalid",
          requestBodyValues: {},
          statusCode: 529,
          responseHeaders: { "retry-after-ms": "1" },
          isRetryable: true,
        });
      }
      const step = steps.shift() ?? { parts: [...text("done"), finish()] };
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            for (const part of step.parts) controller.enqueue(part);
            if (!step.hang) controller.close();
          },
        }),
      };
    },
  };
  return { model, calls };
}

describeEachDialect("model-call", () => {
  afterEach(teardown);

  const added: number[] = [];
  const agent = defineAgent({
    id: "adder",
    name: "Adder",
    description: "Adds.",
    instructions: "Add.",
    tools: {
      add: defineTool({
        description: "Add two numbers.",
        inputSchema: z.object({ a: z.number(), b: z.number() }),
        execute: ({ a, b }) => {
          added.push(a + b);
          return { sum: a + b };
        },
      }),
    },
  });
  const scope = { contextGroup: "team:1", agentIds: ["adder"] };

  const failures: unknown[] = [];

  /** A new context whose first message starts a run of the adder on `model`. */
  async function begin(model: LanguageModelV3) {
    added.length = 0;
    failures.length = 0;
    const { runtime } = await setup({
      agents: createAgentRegistry([agent]),
      model,
      logFailure: (_reference, error) => failures.push(error),
    });
    const { context, sent } = await runtime.createContext(scope, {
      agentId: "adder",
      firstMessage: "What is 2 and 3?",
    });
    return { runtime, context, sent: sent! };
  }

  /** A whole turn on `model`: how the run finished, and the reply as stored. */
  async function turn(model: LanguageModelV3) {
    const { runtime, context, sent } = await begin(model);
    const events = await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
    const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
    const reply = items.at(-1)!;
    return {
      runtime,
      context,
      finished: events.at(-1)!.event,
      text: textOf(reply),
      calls: reply.parts.filter((p): p is ToolCallPart => p.type === "tool-call"),
    };
  }

  it("streams the model's text into the reply and counts its usage", async () => {
    const { model, calls } = playedModel([
      { parts: [...text("Five."), { type: "text-delta", id: "t", delta: " Done" }, finish(7, 2)] },
    ]);
    const { finished, text: reply } = await turn(model);
    expect(reply).toBe("Five. Done");
    expect(finished).toMatchObject({
      status: "completed",
      usage: { inputTokens: 7, outputTokens: 2, totalTokens: 9 },
    });
    // The prompt as the provider gets it: the instructions, then the user's message.
    expect(calls[0]!.prompt.slice(0, 2)).toEqual([
      { role: "system", content: "Add." },
      { role: "user", content: [{ type: "text", text: "What is 2 and 3?" }] },
    ]);
    expect(calls[0]!.tools).toEqual([
      expect.objectContaining({ type: "function", name: "add", description: "Add two numbers." }),
    ]);
  });

  it("runs a call whose input fits the tool, with the input parsed", async () => {
    const { model, calls } = playedModel([
      { parts: [toolCall("add", '{"a":2,"b":3}'), finish()] },
      { parts: [...text("It is 5."), finish()] },
    ]);
    const result = await turn(model);
    expect(added).toEqual([5]);
    expect(result.calls).toEqual([
      expect.objectContaining({ state: "completed", input: { a: 2, b: 3 }, output: { sum: 5 } }),
    ]);
    expect(result.text).toBe("It is 5.");
    expect(calls).toHaveLength(2);
  });

  it("fails a call whose input does not fit the schema, without running the tool", async () => {
    const { model } = playedModel([
      { parts: [toolCall("add", '{"a":"two","b":3}'), finish()] },
      { parts: [...text("Sorry."), finish()] },
    ]);
    const result = await turn(model);
    expect(added).toEqual([]);
    expect(result.calls).toEqual([
      expect.objectContaining({
        toolName: "add",
        state: "failed",
        input: { a: "two", b: 3 },
        error: expect.stringMatching(/^The model's call did not fit the tool: .*add/),
      }),
    ]);
    expect(result.finished).toMatchObject({ status: "completed" });
  });

  it("fails a call to a tool the agent does not have, and a call that is not JSON", async () => {
    const { model } = playedModel([
      { parts: [toolCall("deleteEverything", "{}"), toolCall("add", "{a:"), finish()] },
      { parts: [...text("Sorry."), finish()] },
    ]);
    const result = await turn(model);
    expect(added).toEqual([]);
    expect(result.calls).toEqual([
      expect.objectContaining({
        toolName: "deleteEverything",
        state: "failed",
        error: expect.stringContaining("deleteEverything"),
      }),
      expect.objectContaining({ toolName: "add", state: "failed", input: "{a:" }),
    ]);
  });

  it("retries a call the provider refused with a retryable error", async () => {
    const { model, calls } = playedModel([{ parts: [...text("Here."), finish()] }], 2);
    const { finished, text: reply } = await turn(model);
    expect(calls).toHaveLength(3);
    expect(finished).toMatchObject({ status: "completed" });
    expect(reply).toBe("Here.");
  });

  it("fails the run when the model's stream reports an error, keeping the text before it", async () => {
    const { model } = playedModel([
      {
        parts: [
          ...opened("Half"),
          { type: "error", error: new Error("the provider dropped the stream") },
        ],
      },
    ]);
    const { finished, text: reply } = await turn(model);
    expect(finished).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^The reply failed \(reference err_/),
    });
    expect(failures).toEqual([new Error("the provider dropped the stream")]);
    expect(reply).toBe("Half");
  });

  it("stops a model that ignores the abort signal when the user cancels", async () => {
    const { model } = playedModel([
      {
        parts: [...opened("Wait")],
        hang: true,
      },
    ]);
    const { runtime, context, sent } = await begin(model);
    await eventsUntil(runtime, scope, context.id, (event) => event.type === "message.part");
    expect(await runtime.cancel(scope, context.id)).toEqual({ cancelled: true });
    const events = await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
    expect(events.at(-1)!.event).toMatchObject({ status: "cancelled" });
    const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
    expect(textOf(items.at(-1))).toBe("Wait");
  });
});
