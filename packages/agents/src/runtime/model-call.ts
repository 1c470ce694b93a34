// One model step, read straight from the model's own stream (`LanguageModelV3.doStream`).
//
// The engine drives its steps itself (run-driver.ts: one call per step, tools run by the engine,
// every part written to the database as it comes), so it needs none of what `streamText` adds
// around a call: its multi-step loop, tool execution, callbacks, telemetry spans and the chain of
// TransformStreams, teed for results nobody reads, that carries each part. That chain was most of
// a short turn's cost (about 1 ms of CPU for a 5-word reply against 0.1 ms without it) and about
// 120 kB held per replying stream. What a step does need is the AI SDK's own, from `ai/internal`
// (the building blocks `streamText` is made of): the prompt converted for the provider, the
// tools described, the call retried as `streamText` retries it, and each tool call
// parsed against its schema as `streamText` parses it.
import type { LanguageModelV3, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { asSchema, safeParseJSON, safeValidateTypes } from "@ai-sdk/provider-utils";
import {
  InvalidToolInputError,
  type LanguageModelUsage,
  type ModelMessage,
  NoSuchToolError,
  type ToolSet,
} from "ai";
import {
  asLanguageModelUsage,
  convertToLanguageModelPrompt,
  prepareCallSettings,
  prepareRetries,
  prepareToolsAndToolChoice,
} from "ai/internal";

/** What a step yields, in the model's order. */
export type ModelStepPart =
  | { type: "text"; text: string }
  | {
      type: "tool-call";
      toolCallId: string;
      toolName: string;
      /** The parsed input; when `invalid`, what the model sent (parsed as JSON if it was). */
      input: unknown;
      /** The call names no tool of the step, or its input is not JSON or does not fit. */
      invalid?: true;
      error?: unknown;
    }
  | { type: "usage"; usage: LanguageModelUsage };

export interface ModelStepOptions {
  model: LanguageModelV3;
  system: string;
  messages: ModelMessage[];
  tools: ToolSet;
  maxOutputTokens: number;
  abortSignal: AbortSignal;
}

/**
 * Calls the model once and yields its text, tool calls and usage as they stream in. An error
 * the model reports in its stream is thrown; so is the abort, as the model's stream ends it.
 */
export async function* streamModelStep(options: ModelStepOptions): AsyncGenerator<ModelStepPart> {
  const { model, tools, abortSignal } = options;
  const { retry } = prepareRetries({ maxRetries: undefined, abortSignal });
  const prompt = await convertToLanguageModelPrompt({
    // Not `standardizePrompt`: it re-validates the whole conversation with zod on every step
    // (a new schema each call, about 4% of a short turn's CPU), and the engine's messages are its
    // own, typed as they are built from stored parts (conversation.ts), never a caller's value.
    prompt: { system: options.system, messages: options.messages },
    supportedUrls: await model.supportedUrls,
    // The engine's files are bytes (conversation.ts), never links: nothing is fetched.
    download: async (requested) => requested.map(() => null),
    abortSignal,
  });
  const described = await prepareToolsAndToolChoice({
    tools: Object.keys(tools).length > 0 ? tools : undefined,
    toolChoice: undefined,
    activeTools: undefined,
  });
  const { stream } = await retry(() =>
    model.doStream({
      ...prepareCallSettings({ maxOutputTokens: options.maxOutputTokens }),
      ...described,
      prompt,
      abortSignal,
    }),
  );
  const reader = stream.getReader();
  // A model that does not watch the signal is stopped all the same: its stream is cancelled,
  // which ends the read in progress.
  const onAbort = () => void reader.cancel(abortSignal.reason).catch(() => {});
  abortSignal.addEventListener("abort", onAbort, { once: true });
  let done = false;
  try {
    for (;;) {
      const read = await reader.read();
      if (abortSignal.aborted) throw abortSignal.reason;
      if (read.done) {
        done = true;
        return;
      }
      const part = toStepPart(read.value, tools);
      if (part) yield await part;
    }
  } finally {
    abortSignal.removeEventListener("abort", onAbort);
    // A consumer that stops early (an error, the reply cap) ends the model's stream. (Not
    // `releaseLock`, which makes an error with a stack for reads that may be pending.)
    if (!done) await reader.cancel().catch(() => {});
  }
}

function toStepPart(
  part: LanguageModelV3StreamPart,
  tools: ToolSet,
): ModelStepPart | Promise<ModelStepPart> | null {
  switch (part.type) {
    case "text-delta":
      return part.delta ? { type: "text", text: part.delta } : null;
    case "tool-call":
      // A tool the provider ran itself (a provider's own search, say) is not the engine's.
      return part.providerExecuted ? null : parsedToolCall(part, tools);
    case "finish":
      return { type: "usage", usage: asLanguageModelUsage(part.usage) };
    case "error":
      throw part.error;
    default:
      // Reasoning, sources, files, tool-input streaming and metadata: not kept by the engine.
      return null;
  }
}

/** A tool call's input parsed and checked against the tool's schema, as `streamText` does. */
async function parsedToolCall(
  call: { toolCallId: string; toolName: string; input: string },
  tools: ToolSet,
): Promise<ModelStepPart> {
  const { toolCallId, toolName } = call;
  const tool = tools[toolName];
  let error: unknown;
  if (!tool) {
    error = new NoSuchToolError({ toolName, availableTools: Object.keys(tools) });
  } else {
    const schema = asSchema(tool.inputSchema);
    const parsed =
      call.input.trim() === ""
        ? await safeValidateTypes({ value: {}, schema })
        : await safeParseJSON({ text: call.input, schema });
    if (parsed.success) return { type: "tool-call", toolCallId, toolName, input: parsed.value };
    error = new InvalidToolInputError({ toolName, toolInput: call.input, cause: parsed.error });
  }
  const json = await safeParseJSON({ text: call.input });
  return {
    type: "tool-call",
    toolCallId,
    toolName,
    input: json.success ? json.value : call.input,
    invalid: true,
    error,
  };
}
