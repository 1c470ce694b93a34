// The title a model gives a conversation after its first reply: one short call with the first
// message and the reply, cut to a few words. The builtin model answers it without a language
// model (builtin-title.ts), so development and tests name conversations the same way.
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { RunUsage } from "../types.ts";
import { DEFAULT_TITLE, titleFromMessage } from "./titles.ts";

/** The instructions of the title call; the builtin model recognises them. */
export const TITLE_INSTRUCTIONS =
  "You name conversations. Answer with a title of at most six words for the conversation below, in its language: no quotes, no final full stop.";

/** How much of the message and of the reply the title call is shown, in characters. */
const TITLE_INPUT_CHARS = 1_000;

/** The longest answer the title call may give, in tokens. */
export const TITLE_MAX_OUTPUT_TOKENS = 32;

/** How long the title call may take before the conversation keeps the title it has. */
export const TITLE_TIMEOUT_MS = 15_000;

function excerpt(text: string): string {
  const flat = text.trim();
  return flat.length <= TITLE_INPUT_CHARS ? flat : `${flat.slice(0, TITLE_INPUT_CHARS)}…`;
}

/** The title call's prompt: what the user wrote first, and the reply. */
export function titlePrompt(message: string, reply: string): string {
  return `The user wrote:\n${excerpt(message)}\n\nThe assistant answered:\n${excerpt(reply)}`;
}

/** A model's answer as a title: one line, no quotes or final punctuation, a few words at most. */
export function cleanTitle(answer: string): string | null {
  const line = answer
    .split("\n")
    .map((part) => part.trim())
    .find(Boolean);
  if (!line) return null;
  const bare = line
    .replace(/^(title|titre)\s*:\s*/i, "")
    .replace(/^["'“”‘’«»*#\s]+|["'“”‘’«»*\s]+$/g, "")
    .replace(/[.!。]+$/, "")
    .trim();
  if (!bare) return null;
  const title = titleFromMessage(bare);
  return title === DEFAULT_TITLE ? null : title;
}

/**
 * Asks `model` for a title; resolves the title (or null for an unusable answer) and usage.
 * The call goes to the model itself (`doGenerate`, the provider interface `generateText` ends in)
 * with a prompt built here in the provider's own form: `generateText` would validate that
 * prompt against its zod schemas, build headers and telemetry spans on every turn, about 6% of
 * a turn's server CPU (docs/benchmarks.md, benchmark 2), for a call with no tools, no retries
 * and one step.
 */
export async function modelTitle(
  model: LanguageModelV3,
  input: { message: string; reply: string; signal: AbortSignal },
): Promise<{ title: string | null; usage: RunUsage }> {
  input.signal.throwIfAborted();
  const result = await model.doGenerate({
    prompt: [
      { role: "system", content: TITLE_INSTRUCTIONS },
      {
        role: "user",
        content: [{ type: "text", text: titlePrompt(input.message, input.reply) }],
      },
    ],
    maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS,
    abortSignal: input.signal,
  });
  const text = result.content.map((part) => (part.type === "text" ? part.text : "")).join("");
  const inputTokens = result.usage.inputTokens.total ?? 0;
  const outputTokens = result.usage.outputTokens.total ?? 0;
  return {
    title: cleanTitle(text),
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
  };
}
