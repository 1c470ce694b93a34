import type { LanguageModelV3FunctionTool, LanguageModelV3Prompt } from "@ai-sdk/provider";
import { generateText, stepCountIs, streamText, tool, zodSchema } from "ai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createBuiltinModel } from "./builtin.ts";
import { chooseTool, keywords, readMessage } from "./builtin-choice.ts";
import { inputFor } from "./builtin-inputs.ts";
import { planReply } from "./builtin-plan.ts";

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

const getOrderStatus = fn("getOrderStatus", "The status of an order of this shop.", {
  type: "object",
  properties: { orderId: { type: "string" } },
  required: ["orderId"],
});
const refundOrder = fn(
  "refundOrder",
  "Refund an order that has shipped or was delivered damaged.",
  { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] },
);

/** The JSON schema the AI SDK hands a model for a zod schema. */
function jsonSchemaOf(schema: z.ZodType): unknown {
  return zodSchema(schema).jsonSchema;
}

describe("the builtin model's reading of a message", () => {
  it("reads tool names split on camelCase, without filler words, roughly stemmed", () => {
    expect(keywords("getWebhookHealth")).toEqual(["webhook", "health"]);
    expect(keywords("Please retry the failed deliveries")).toEqual(["retry", "fail", "delivery"]);
  });

  it("takes ids, numbers and quoted text out of the words", () => {
    expect(
      readMessage(
        `Move SD-1001 and ws_abc to "Blue shoes" within 6 hours, it's 2.5 times the p95 of well-known 'rush orders'`,
      ),
    ).toMatchObject({
      ids: ["SD-1001", "ws_abc"],
      numbers: [6, 2.5],
      quotes: ["Blue shoes", "rush orders"],
      words: ["move", "within", "hour", "time", "p95", "well", "known"],
    });
  });
});

describe("the builtin model's choice of a tool", () => {
  const orders = [refundOrder, getOrderStatus];

  it("does not call an action tool whose description merely shares a word", () => {
    expect(chooseTool(readMessage("Has SD-1001 shipped?"), orders)).toBe(getOrderStatus);
    expect(chooseTool(readMessage("Please refund SD-1001"), orders)).toBe(refundOrder);
    expect(chooseTool(readMessage("What is the status of my order?"), orders)).toBe(getOrderStatus);
  });

  it("calls only the best-matching tool: name words over description words", () => {
    const pick = (text: string) => chooseTool(readMessage(text), tools);
    expect(pick("How healthy are my webhooks?")).toBe(health);
    expect(pick("retry the failed deliveries")).toBe(retry);
    expect(pick("retry failed deliveries, then the webhook health")).toBe(retry);
    expect(pick("what is the p95 latency?")).toBe(health);
  });

  it("calls nothing below the threshold: one description word is not enough", () => {
    const pick = (text: string) => chooseTool(readMessage(text), tools);
    expect(pick("good morning")).toBeUndefined();
    expect(pick("the latency")).toBeUndefined();
    expect(pick("why is it failing?")).toBeUndefined();
    // An id alone points at a tool that takes one.
    expect(chooseTool(readMessage("SD-1001?"), orders)).toBe(getOrderStatus);
    expect(chooseTool(readMessage("SD-1001?"), tools)).toBeUndefined();
  });

  it("breaks ties by name words, then by the order of the tools", () => {
    const invoice = fn("getInvoice", "An invoice of this customer.");
    const total = fn("getInvoiceTotal", "The amount due on an invoice.");
    const pick = (text: string, list: LanguageModelV3FunctionTool[]) =>
      chooseTool(readMessage(text), list);
    expect(pick("the invoice", [invoice, total])).toBe(invoice);
    expect(pick("the invoice", [total, invoice])).toBe(total);
    // "amount" in total's description and "customer" in invoice's: equal scores, equal names.
    expect(pick("invoice amount", [invoice, total])).toBe(total);
  });
});

describe("the builtin model and MCP tools", () => {
  const echo = fn("everything_echo", "Echoes back the input string", {
    type: "object",
    properties: { message: { type: "string", description: "Message to echo" } },
    required: ["message"],
  });
  const sum = fn("everything_get-sum", "Returns the sum of two numbers");
  const create = fn("notes_create_entities", "Create multiple new entities in the knowledge graph");
  const read = fn("notes_read_graph", "Read the entire knowledge graph");

  it("calls a prefixed tool by its name word, with what follows 'say' as its text", () => {
    expect(planReply(user("use echo to say hi"), [sum, echo])).toEqual({
      kind: "tool-call",
      toolName: "everything_echo",
      input: { message: "hi" },
    });
    expect(planReply(user("Echo, say hello there!"), [echo])).toMatchObject({
      input: { message: "hello there" },
    });
    // Without "say", a text field still gets the whole message.
    expect(planReply(user("echo this line"), [echo])).toMatchObject({
      input: { message: "echo this line" },
    });
  });

  it("reads the action verb after an MCP prefix: no create without 'create'", () => {
    expect(
      chooseTool(readMessage("what entities are in the knowledge graph?"), [create, read]),
    ).toBe(read);
    expect(chooseTool(readMessage("create entities in the graph"), [create, read])).toBe(create);
  });
});

describe("the builtin model's inputs", () => {
  const schema = jsonSchemaOf(
    z.object({
      orderId: z.string(),
      quantity: z.number().int().min(1).max(10),
      reason: z.enum(["damaged", "late", "wrong_item"]),
      note: z.string().optional(),
      sinceHours: z.number().optional(),
      notify: z.boolean(),
    }),
  );

  it("fills fields from the message by kind: ids, numbers in bounds, enum words, quotes", () => {
    expect(
      inputFor(
        schema,
        readMessage(`Refund 3 of SD-1001, they came late, note "left at the door", last 48 hours`),
      ),
    ).toEqual({
      orderId: "SD-1001",
      quantity: 3,
      reason: "late",
      notify: true,
      note: "left at the door",
      sinceHours: 48,
    });
    // 48 is out of quantity's bounds, so it goes to the next number field; the item enum
    // value is said in two words.
    expect(
      inputFor(schema, readMessage("ws_abc sent the wrong item, 48 and then 2")),
    ).toMatchObject({ orderId: "ws_abc", quantity: 2, reason: "wrong_item", sinceHours: 48 });
  });

  it("leaves optional fields out and gives required ones a plain value when the message has none", () => {
    expect(inputFor(schema, readMessage("refund it"))).toEqual({
      orderId: "",
      quantity: 1,
      reason: "damaged",
      notify: true,
    });
    const text = jsonSchemaOf(z.object({ comment: z.string(), tags: z.array(z.string()) }));
    expect(inputFor(text, readMessage("refund it please"))).toEqual({
      comment: "refund it please",
      tags: [],
    });
    const ids = jsonSchemaOf(z.object({ orderIds: z.array(z.string()).optional() }));
    expect(inputFor(ids, readMessage("SD-1 and SD-2"))).toEqual({ orderIds: ["SD-1", "SD-2"] });
  });

  it("fills required inputs from defaults and examples before plain guesses", () => {
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
    expect(planReply(user('ask me "which colour?" 5 times'), [ask])).toEqual({
      kind: "tool-call",
      toolName: "askUser",
      input: { question: "which colour?", count: 5 },
    });
  });
});

describe("the builtin model's replies", () => {
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

  it("calls the best-matching tool once, then answers from its result", async () => {
    const result = await generateText({
      model: createBuiltinModel({ tokenDelayMs: 0 }),
      tools: sdkTools,
      stopWhen: stepCountIs(5),
      prompt: "Retry the failed deliveries and show the webhook health",
    });
    expect(result.steps.map((step) => step.toolCalls.map((call) => call.toolName))).toEqual([
      ["retryFailedDeliveries"],
      [],
    ]);
    expect(result.text).toBe("retry failed deliveries: marked 3.");
  });

  it("gives a zod tool its input from the message: the order's id, not the whole message", async () => {
    const result = await generateText({
      model: createBuiltinModel({ tokenDelayMs: 0 }),
      tools: {
        refundOrder: tool({
          description: refundOrder.description!,
          inputSchema: z.object({ orderId: z.string() }),
          execute: async () => ({ refunded: true }),
        }),
        getOrderStatus: tool({
          description: getOrderStatus.description!,
          inputSchema: z.object({ orderId: z.string().describe("Like SD-1001.") }),
          execute: async ({ orderId }) => ({ summary: `Order ${orderId} has shipped.` }),
        }),
      },
      stopWhen: stepCountIs(5),
      prompt: "Has SD-1001 shipped?",
    });
    expect(result.steps[0]!.toolCalls).toMatchObject([
      { toolName: "getOrderStatus", input: { orderId: "SD-1001" } },
    ]);
    expect(result.text).toBe("Order SD-1001 has shipped.");
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
