// The scripted test model: an AI SDK language model (LanguageModelV3) that plays a script, so
// that an app's unit tests drive its own agents through the real engine (tool calls with given
// inputs, approvals, questions, a final reply) without a network, a key or any guessing.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolResultOutput,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import type { JsonValue } from "../types.ts";
import { builtinTitle, isTitleCall } from "./builtin-title.ts";

/** A tool's result as the script's reply sees it. */
export interface ScriptedToolResult {
  toolName: string;
  /** The tool's output (for askUser, `{ answer }`); undefined when it failed or was denied. */
  output?: JsonValue;
  /** Why the tool failed. */
  error?: string;
  /** The user declined the call. */
  denied?: boolean;
}

/** One turn of the script: the answer to one user message. */
export interface ScriptedTurn {
  /**
   * The user message this turn answers: a string equals the message (trimmed), a RegExp is
   * searched in it. Default: any message.
   */
  when?: string | RegExp;
  /** Tool calls to make, one per model step, in this order, before the reply. Default none. */
  calls?: { tool: string; input?: { [key: string]: JsonValue } }[];
  /**
   * What to say once the calls have their results: a string, or made from the results of this
   * turn's calls (in call order). Default: no text.
   */
  reply?: string | ((results: ScriptedToolResult[]) => string);
}

export interface ScriptedModel extends LanguageModelV3 {
  /** Every prompt the model was given, in order, so that a test can check what it saw. */
  readonly prompts: LanguageModelV3Prompt[];
}

/** What to do next: call a tool, or say something. */
type Step =
  | { kind: "tool-call"; toolCallId: string; toolName: string; input: string }
  | { kind: "text"; text: string };

function userText(prompt: LanguageModelV3Prompt, index: number): string {
  const message = prompt[index];
  if (message?.role !== "user") return "";
  return message.content
    .map((part) => (part.type === "text" ? part.text : ""))
    .join(" ")
    .trim();
}

function readResult(toolName: string, output: LanguageModelV3ToolResultOutput): ScriptedToolResult {
  switch (output.type) {
    case "json":
      return { toolName, output: output.value as JsonValue };
    case "text":
      return { toolName, output: output.value };
    case "execution-denied":
      return { toolName, denied: true };
    case "error-text":
      return { toolName, error: output.value };
    case "error-json":
      return { toolName, error: JSON.stringify(output.value) };
    case "content":
      return {
        toolName,
        output: output.value.map((item) => (item.type === "text" ? item.text : "")).join(" "),
      };
  }
}

function matches(turn: ScriptedTurn, text: string): boolean {
  if (turn.when === undefined) return true;
  if (typeof turn.when === "string") return turn.when.trim() === text;
  turn.when.lastIndex = 0;
  return turn.when.test(text);
}

function nextStep(turns: readonly ScriptedTurn[], prompt: LanguageModelV3Prompt): Step {
  const lastUser = prompt.findLastIndex((message) => message.role === "user");
  const text = userText(prompt, lastUser);
  const turn = turns.find((candidate) => matches(candidate, text));
  if (!turn) {
    const known = turns.map((candidate) => String(candidate.when)).join(", ");
    throw new Error(
      `The scripted model has no turn for the message ${JSON.stringify(text)}; its turns answer: ${known || "nothing"}.`,
    );
  }
  let callsSoFar = 0;
  let callsBefore = 0;
  const results: ScriptedToolResult[] = [];
  for (const [index, message] of prompt.entries()) {
    for (const part of message.role === "assistant" ? message.content : []) {
      if (part.type !== "tool-call") continue;
      callsSoFar += 1;
      if (index < lastUser) callsBefore += 1;
    }
    if (index > lastUser && message.role === "tool") {
      for (const part of message.content) {
        if (part.type === "tool-result") results.push(readResult(part.toolName, part.output));
      }
    }
  }
  const call = turn.calls?.[callsSoFar - callsBefore];
  if (call) {
    return {
      kind: "tool-call",
      // Unique within the conversation, like a provider's.
      toolCallId: `call_${callsSoFar + 1}`,
      toolName: call.tool,
      input: JSON.stringify(call.input ?? {}),
    };
  }
  const reply = typeof turn.reply === "function" ? turn.reply(results) : (turn.reply ?? "");
  return { kind: "text", text: reply };
}

function usage(step: Step): LanguageModelV3Usage {
  const output = step.kind === "text" ? step.text.split(/\s+/).filter(Boolean).length : 1;
  return {
    inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

function streamParts(step: Step): LanguageModelV3StreamPart[] {
  const parts: LanguageModelV3StreamPart[] = [{ type: "stream-start", warnings: [] }];
  if (step.kind === "tool-call") {
    const { toolCallId: id, toolName, input } = step;
    parts.push(
      { type: "tool-input-start", id, toolName },
      { type: "tool-input-delta", id, delta: input },
      { type: "tool-input-end", id },
      { type: "tool-call", toolCallId: id, toolName, input },
      {
        type: "finish",
        usage: usage(step),
        finishReason: { unified: "tool-calls", raw: "tool-calls" },
      },
    );
    return parts;
  }
  if (step.text !== "") {
    parts.push({ type: "text-start", id: "text" });
    // Word by word, as a provider streams, so the engine's delta batching is exercised.
    for (const [index, word] of step.text.split(" ").entries()) {
      parts.push({ type: "text-delta", id: "text", delta: index === 0 ? word : ` ${word}` });
    }
    parts.push({ type: "text-end", id: "text" });
  }
  parts.push({
    type: "finish",
    usage: usage(step),
    finishReason: { unified: "stop", raw: "stop" },
  });
  return parts;
}

function plan(
  turns: readonly ScriptedTurn[],
  prompts: LanguageModelV3Prompt[],
  call: LanguageModelV3CallOptions,
): Step {
  // The engine's title call is no turn of the script: answered as the builtin model does.
  if (isTitleCall(call)) return { kind: "text", text: builtinTitle(call) };
  prompts.push(call.prompt);
  return nextStep(turns, call.prompt);
}

/**
 * A model that plays `turns`: for the last user message it takes the first turn whose `when`
 * matches, makes that turn's tool calls one per step (the engine runs each tool, asks for
 * approval or puts a question as it would for any model), then says the turn's reply. A message
 * no turn answers fails the run with an error naming the message. Same conversation in, same
 * reply out. The engine's title call (after the first reply) is answered with a few words of the
 * first message, as the builtin model does, and is not part of `prompts`.
 *
 * ```ts
 * const model = createScriptedModel([
 *   { when: "Has SD-1001 shipped?", calls: [{ tool: "getOrderStatus", input: { orderId: "SD-1001" } }],
 *     reply: ([status]) => `It is ${status?.output?.status}.` },
 * ]);
 * const runtime = createAgentRuntime({ db, agents, model });
 * ```
 */
export function createScriptedModel(turns: readonly ScriptedTurn[]): ScriptedModel {
  const prompts: LanguageModelV3Prompt[] = [];
  return {
    specificationVersion: "v3",
    provider: "agent-access",
    modelId: "scripted",
    supportedUrls: {},
    prompts,

    async doGenerate(call) {
      const step = plan(turns, prompts, call);
      return step.kind === "tool-call"
        ? {
            content: [
              {
                type: "tool-call",
                toolCallId: step.toolCallId,
                toolName: step.toolName,
                input: step.input,
              },
            ],
            finishReason: { unified: "tool-calls", raw: "tool-calls" },
            usage: usage(step),
            warnings: [],
          }
        : {
            content: step.text === "" ? [] : [{ type: "text", text: step.text }],
            finishReason: { unified: "stop", raw: "stop" },
            usage: usage(step),
            warnings: [],
          };
    },

    async doStream(call) {
      const parts = streamParts(plan(turns, prompts, call));
      const signal = call.abortSignal;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        pull(controller) {
          if (signal?.aborted) {
            controller.error(new DOMException("The model call was aborted.", "AbortError"));
            return;
          }
          const next = parts.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      });
      return { stream };
    },
  };
}
