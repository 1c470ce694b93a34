import type { LanguageModelV3FunctionTool, LanguageModelV3Prompt } from "@ai-sdk/provider";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createBuiltinModel } from "./builtin.ts";
import { chooseTools, keywords, planReply } from "./builtin-plan.ts";

function fn(
  name: string,
  description: string,
  inputSchema: object = {},
): LanguageModelV3FunctionTool {
  return { type: "function", name, description, inputSchema };
}

const health = fn(
  "getWebhookHealth",
  "Report the health of this workspace's webhooks: delivery success rate, p95 latency, and the endpoints that are failing.",
);
const retry = fn(
  "retryFailedDeliveries",
  "Retry the failed webhook deliveries of this workspace, or of one of its endpoints.",
);
const tools = [health, retry];

function user(text: string): LanguageModelV3Prompt {
  return [{ role: "user", content: [{ type: "text", text }] }];
}

describe("the builtin model's choices", () => {
  it("reads tool names split on camelCase, without filler words, roughly stemmed", () => {
    expect(keywords("getWebhookHealth")).toEqual(["webhook", "health"]);
    expect(keywords("Please retry the failed deliveries")).toEqual(["retry", "fail", "delivery"]);
  });

  it("prefers tools whose names match the user's words, and falls back to descriptions", () => {
    expect(chooseTools("How healthy are my webhooks?", tools)).toEqual([health]);
    expect(chooseTools("retry the failed deliveries", tools)).toEqual([retry]);
    expect(chooseTools("retry failed deliveries, then the webhook health", tools)).toEqual([
      retry,
      health,
    ]);
    expect(chooseTools("what is the p95 latency?", tools)).toEqual([health]);
    expect(chooseTools("good morning", tools)).toEqual([]);
  });

  it("fills required inputs from defaults and examples, and leaves optional ones out", () => {
    const ask = fn("askUser", "Ask the user a question.", {
      type: "object",
      properties: {
        question: { type: "string", examples: ["What next?"] },
        tone: { type: "string" },
        count: { type: "integer", default: 3 },
      },
      required: ["question", "count"],
    });
    expect(planReply(user("ask me"), [ask])).toEqual({
      kind: "tool-call",
      toolName: "askUser",
      input: { question: "What next?", count: 3 },
    });
  });

  it("says what it can do when nothing matches, naming the tools", () => {
    const plan = planReply(user("good morning"), tools);
    expect(plan.kind).toBe("text");
    expect(plan).toMatchObject({
      text: expect.stringMatching(
        /^I am the built-in development model, not a language model.*get webhook health \(Report the health.*retry failed deliveries/,
      ),
    });
  });

  it("plans N words of filler for 'stream N words', without writing them out", () => {
    expect(planReply(user("please stream 25 words"), tools)).toEqual({ kind: "filler", words: 25 });
  });
});

describe("the builtin model through the AI SDK", () => {
  const sdkTools = {
    getWebhookHealth: tool({
      description: health.description!,
      inputSchema: z.object({ sinceHours: z.number().optional() }),
      execute: async () => ({ summary: "All 12 deliveries succeeded." }),
    }),
    retryFailedDeliveries: tool({
      description: retry.description!,
      inputSchema: z.object({}),
      execute: async () => ({ marked: 3 }),
    }),
  };

  it("calls the matching tools one per step, then answers from their results", async () => {
    const result = await generateText({
      model: createBuiltinModel({ tokenDelayMs: 0 }),
      tools: sdkTools,
      stopWhen: stepCountIs(5),
      prompt: "Retry the failed deliveries and show the webhook health",
    });
    expect(result.steps.map((step) => step.toolCalls.map((call) => call.toolName))).toEqual([
      ["retryFailedDeliveries"],
      ["getWebhookHealth"],
      [],
    ]);
    expect(result.text).toBe("retry failed deliveries: marked 3. All 12 deliveries succeeded.");
  });

  it("streams its answer word by word, counting words as tokens, the same every time", async () => {
    const run = async () => {
      const result = streamText({
        model: createBuiltinModel({ tokenDelayMs: 0 }),
        prompt: "stream 40 words",
      });
      const deltas: string[] = [];
      for await (const delta of result.textStream) deltas.push(delta);
      return { deltas, usage: await result.usage };
    };
    const first = await run();
    expect(first.deltas).toHaveLength(40);
    expect(first.deltas.join("").split(" ")).toHaveLength(40);
    expect(first.usage).toMatchObject({ inputTokens: 3, outputTokens: 40, totalTokens: 43 });
    expect(await run()).toEqual(first);
  });

  it("stops at maxOutputTokens words and says the reply was cut for length", async () => {
    const result = streamText({
      model: createBuiltinModel({ tokenDelayMs: 0 }),
      prompt: "stream 200000 words",
      maxOutputTokens: 30,
    });
    const text = await result.text;
    expect(text.split(" ")).toHaveLength(30);
    expect(await result.finishReason).toBe("length");
  });

  it("stops streaming when the call is aborted", async () => {
    const controller = new AbortController();
    const result = streamText({
      model: createBuiltinModel({ tokenDelayMs: 1 }),
      prompt: "stream 5000 words",
      abortSignal: controller.signal,
    });
    let deltas = 0;
    for await (const part of result.fullStream) {
      if (part.type === "text-delta" && ++deltas === 3) controller.abort();
      if (part.type === "abort") break;
    }
    expect(deltas).toBeLessThan(10);
  });
});
