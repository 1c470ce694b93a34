import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AGENT, eventsUntil, runFinished, setup, teardown, textOf } from "../../test/harness.ts";
import { TITLE_INSTRUCTIONS } from "../runtime/model-title.ts";
import { resolveModel } from "./resolve.ts";

afterEach(teardown);

interface ChatRequest {
  model: string;
  stream: boolean;
  messages: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string } }[];
}

function chunk(delta: object, finishReason: string | null = null): object {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "test-model",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
}

function usage(prompt: number, completion: number): object {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "test-model",
    choices: [],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    },
  };
}

/** Chat completions as an OpenAI-compatible server streams them: a tool call, then an answer. */
function replyTo(request: ChatRequest): object[] {
  const sawToolResult = request.messages.some((message) => message.role === "tool");
  if (!sawToolResult) {
    return [
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [
          {
            index: 0,
            id: "call_abc",
            type: "function",
            function: { name: "getWebhookHealth", arguments: "" },
          },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"sinceHours"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ":24}" } }] }),
      chunk({}, "tool_calls"),
      usage(50, 12),
    ];
  }
  return [
    chunk({ role: "assistant", content: "The billing " }),
    chunk({ content: "endpoint is " }),
    chunk({ content: "failing." }),
    chunk({}, "stop"),
    usage(120, 6),
  ];
}

async function startFakeProvider() {
  const requests: { body: ChatRequest; authorization: string | undefined; path: string }[] = [];
  const server = http.createServer(async (req, res) => {
    let text = "";
    for await (const piece of req) text += piece;
    const body = JSON.parse(text) as ChatRequest;
    requests.push({ body, authorization: req.headers.authorization, path: req.url ?? "" });
    if (!body.stream) {
      // The engine's title call, after the first reply: one completion, not a stream.
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "chatcmpl-2",
          object: "chat.completion",
          created: 1_700_000_000,
          model: body.model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: '"Failing billing endpoint."' },
              finish_reason: "stop",
            },
          ],
          usage: { prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 },
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const data of replyTo(body)) res.write(`data: ${JSON.stringify(data)}\n\n`);
    res.end("data: [DONE]\n\n");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests, close: () => server.close() };
}

describe("the openai-compatible provider", () => {
  it("completes a turn with a tool call against a server streaming chat-completion chunks", async () => {
    const provider = await startFakeProvider();
    try {
      const model = resolveModel({
        model: "openai-compatible:test-model",
        baseUrl: provider.baseUrl,
        apiKey: "test-key",
      });
      const { runtime, scope } = await setup({ model });
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "How are my webhooks doing?",
      });
      const events = await eventsUntil(runtime, scope, context.id, runFinished(sent!.runId));
      expect(events.at(-1)!.event).toEqual({
        type: "run.finished",
        runId: sent!.runId,
        status: "completed",
        // The two steps of the reply, and the title call.
        usage: { inputTokens: 200, outputTokens: 22, totalTokens: 222 },
      });
      // The title, without the quotes and the full stop the model put around it.
      expect((await runtime.getContext(scope, context.id)).title).toBe("Failing billing endpoint");

      const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
      expect(items[1]!.parts).toEqual([
        expect.objectContaining({
          type: "tool-call",
          toolCallId: "call_abc",
          toolName: "getWebhookHealth",
          input: { sinceHours: 24 },
          state: "completed",
          output: expect.objectContaining({ deliveries: 180 }),
        }),
        { type: "text", text: "The billing endpoint is failing." },
      ]);
      expect(textOf(items[1])).toBe("The billing endpoint is failing.");

      // What the server was sent: the tools, then the conversation with the tool's result,
      // then the title call with the first message and the reply.
      expect(provider.requests).toHaveLength(3);
      const [first, second, title] = provider.requests as [
        (typeof provider.requests)[0],
        (typeof provider.requests)[0],
        (typeof provider.requests)[0],
      ];
      expect(title.body.tools).toBeUndefined();
      expect(title.body.messages).toEqual([
        { role: "system", content: TITLE_INSTRUCTIONS },
        {
          role: "user",
          content:
            "The user wrote:\nHow are my webhooks doing?\n\nThe assistant answered:\nThe billing endpoint is failing.",
        },
      ]);
      expect(first.path).toBe("/v1/chat/completions");
      expect(first.authorization).toBe("Bearer test-key");
      expect(first.body).toMatchObject({ model: "test-model", stream: true });
      expect(first.body.tools?.map((tool) => tool.function.name)).toEqual([
        "getWebhookHealth",
        "retryFailedDeliveries",
        "askUser",
      ]);
      expect(first.body.messages.map((m) => m.role)).toEqual(["system", "user"]);
      expect(second.body.messages.map((m) => m.role)).toEqual([
        "system",
        "user",
        "assistant",
        "tool",
      ]);
      const toolMessage = second.body.messages[3]!;
      expect(toolMessage.tool_call_id).toBe("call_abc");
      expect(JSON.parse(String(toolMessage.content))).toMatchObject({ deliveries: 180 });
    } finally {
      provider.close();
    }
  });
});
