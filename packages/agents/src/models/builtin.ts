// The `builtin` model: an AI SDK language model (LanguageModelV3) that needs no network and no
// key, so that `pnpm dev` and the tests run the same code path as a real provider.
import { createHash } from "node:crypto";
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from "node:timers/promises";
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from "@ai-sdk/provider";
import { type BuiltinPlan, FILLER, planReply } from "./builtin-plan.ts";
import { builtinTitle, isTitleCall } from "./builtin-title.ts";

export interface BuiltinModelOptions {
  /**
   * Pause before each streamed word, in ms. Default 20, so that development shows a reply
   * arriving; tests and benchmarks pass 0 (words then follow each other as fast as the event
   * loop turns) or a little more to watch a reply mid-way.
   */
  tokenDelayMs?: number;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Words the model was given, standing in for input tokens. */
function promptWords(prompt: LanguageModelV3Prompt): number {
  let words = 0;
  for (const message of prompt) {
    if (message.role === "system") {
      words += countWords(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text") words += countWords(part.text);
      else if (part.type === "tool-call") words += countWords(JSON.stringify(part.input));
      else if (part.type === "tool-result") words += countWords(JSON.stringify(part.output));
    }
  }
  return words;
}

function usage(input: number, output: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}

/** Ids unique within a conversation: one more than the tool calls already in it. */
function nextToolCallId(prompt: LanguageModelV3Prompt): string {
  let calls = 0;
  for (const message of prompt) {
    if (message.role !== "assistant") continue;
    for (const part of message.content) if (part.type === "tool-call") calls++;
  }
  return `call_${calls + 1}`;
}

function functionTools(call: LanguageModelV3CallOptions): LanguageModelV3FunctionTool[] {
  return (call.tools ?? []).filter((tool) => tool.type === "function");
}

type SpokenPlan = Exclude<BuiltinPlan, { kind: "fail-once" }>;

/** Conversations remembered for "fail once", at most; the oldest is forgotten first. */
const MAX_REMEMBERED_FAILURES = 10_000;

/**
 * The error a "fail once" call fails with: worded like a provider's, secret-looking detail
 * included, so that the engine's redaction is what keeps it from the user.
 */
export const SIMULATED_FAILURE =
  '401 Incorrect API key provided: sk-builtin-simulated-0000. (The builtin model fails the first time it sees a message saying "fail once".)';

/** The words of a text reply, one at a time, at most `max` of them (maxOutputTokens). */
function* replyWords(plan: SpokenPlan & { kind: "text" | "filler" }, max: number) {
  if (plan.kind === "filler") {
    for (let i = 0; i < Math.min(plan.words, max); i++) yield FILLER[i % FILLER.length]!;
    return;
  }
  let count = 0;
  for (const word of plan.text.split(" ")) {
    if (count++ >= max) return;
    yield word;
  }
}

function* streamParts(
  plan: SpokenPlan,
  prompt: LanguageModelV3Prompt,
  maxWords: number,
): Generator<LanguageModelV3StreamPart> {
  const input = promptWords(prompt);
  yield { type: "stream-start", warnings: [] };
  if (plan.kind === "tool-call") {
    const id = nextToolCallId(prompt);
    const json = JSON.stringify(plan.input);
    yield { type: "tool-input-start", id, toolName: plan.toolName };
    yield { type: "tool-input-delta", id, delta: json };
    yield { type: "tool-input-end", id };
    yield { type: "tool-call", toolCallId: id, toolName: plan.toolName, input: json };
    yield {
      type: "finish",
      usage: usage(input, 1 + countWords(json)),
      finishReason: { unified: "tool-calls", raw: "tool-calls" },
    };
    return;
  }
  yield { type: "text-start", id: "text" };
  let count = 0;
  for (const word of replyWords(plan, maxWords)) {
    yield { type: "text-delta", id: "text", delta: count === 0 ? word : ` ${word}` };
    count++;
  }
  yield { type: "text-end", id: "text" };
  const cut = count < fullLength(plan);
  yield {
    type: "finish",
    usage: usage(input, count),
    finishReason: cut ? { unified: "length", raw: "length" } : { unified: "stop", raw: "stop" },
  };
}

function fullLength(plan: SpokenPlan & { kind: "text" | "filler" }): number {
  return plan.kind === "filler" ? plan.words : plan.text.split(" ").length;
}

function aborted(): DOMException {
  return new DOMException("The model call was aborted.", "AbortError");
}

/**
 * A development model, not a language model. It understands nothing: it calls the one tool the
 * last user message points at best (builtin-choice.ts), with an input taken from the message
 * (builtin-inputs.ts), then streams an answer put together from the result (a result's
 * `summary` string is used as is), word by word. With no matching tool it says what it can do.
 * "stream N words" makes it stream N words of filler (benchmarks), made one word at a time.
 * Usage counts words as tokens, and a reply stops at `maxOutputTokens` words. Same conversation
 * in, same reply out, with one exception for testing failures: a message saying "fail once"
 * makes the call fail (as a provider's would, SIMULATED_FAILURE) the first time this model sees
 * that conversation, and succeed the next. The engine's title call gets a few of the first
 * message's words (builtin-title.ts).
 */
export function createBuiltinModel(options: BuiltinModelOptions = {}): LanguageModelV3 {
  const delayMs = options.tokenDelayMs ?? 20;
  const failedOnce = new Set<string>();

  /** The plan to carry out, or a thrown provider-like error for the first "fail once". */
  function decide(call: LanguageModelV3CallOptions): SpokenPlan {
    if (isTitleCall(call)) return { kind: "text", text: builtinTitle(call) };
    const plan = planReply(call.prompt, functionTools(call));
    if (plan.kind !== "fail-once") return plan;
    const conversation = call.prompt.filter((message) => message.role !== "system");
    const key = createHash("sha256").update(JSON.stringify(conversation)).digest("hex");
    if (failedOnce.has(key)) return plan.retry;
    failedOnce.add(key);
    if (failedOnce.size > MAX_REMEMBERED_FAILURES) {
      failedOnce.delete(failedOnce.values().next().value!);
    }
    throw new Error(SIMULATED_FAILURE);
  }

  return {
    specificationVersion: "v3",
    provider: "agent-access",
    modelId: "builtin",
    supportedUrls: {},

    async doGenerate(call) {
      const plan = decide(call);
      const input = promptWords(call.prompt);
      if (plan.kind === "tool-call") {
        const json = JSON.stringify(plan.input);
        return {
          content: [
            {
              type: "tool-call",
              toolCallId: nextToolCallId(call.prompt),
              toolName: plan.toolName,
              input: json,
            },
          ],
          finishReason: { unified: "tool-calls", raw: "tool-calls" },
          usage: usage(input, 1 + countWords(json)),
          warnings: [],
        };
      }
      const words = [...replyWords(plan, call.maxOutputTokens ?? Number.POSITIVE_INFINITY)];
      return {
        content: [{ type: "text", text: words.join(" ") }],
        finishReason:
          words.length < fullLength(plan)
            ? { unified: "length", raw: "length" }
            : { unified: "stop", raw: "stop" },
        usage: usage(input, words.length),
        warnings: [],
      };
    },

    async doStream(call) {
      const signal = call.abortSignal;
      const parts = streamParts(
        decide(call),
        call.prompt,
        call.maxOutputTokens ?? Number.POSITIVE_INFINITY,
      );
      let spoke = false;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          try {
            if (signal?.aborted) throw aborted();
            const next = parts.next();
            if (next.done) {
              controller.close();
              return;
            }
            if (next.value.type === "text-delta") {
              // Each word takes the delay. Without one, the event loop still gets a turn between
              // words (otherwise a long reply would stream as one burst while timers, I/O and
              // other requests wait), but not before the first: nothing waits on it yet.
              if (delayMs > 0) await sleep(delayMs, undefined, { signal });
              else if (spoke) await yieldToEventLoop(undefined, { signal });
              spoke = true;
            }
            controller.enqueue(next.value);
          } catch (error) {
            controller.error(signal?.aborted ? aborted() : error);
          }
        },
      });
      return { stream };
    },
  };
}
