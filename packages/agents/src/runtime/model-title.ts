// The title a model gives a conversation after its first reply: one short call with the first
// message and the reply, cut to a few words. The builtin model answers it without a language
// model (builtin-title.ts), so development and tests name conversations the same way.
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { generateText } from "ai";
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

/** Asks `model` for a title; resolves the title (or null for an unusable answer) and usage. */
export async function modelTitle(
  model: LanguageModelV3,
  input: { message: string; reply: string; signal: AbortSignal },
): Promise<{ title: string | null; usage: RunUsage }> {
  const result = await generateText({
    model,
    system: TITLE_INSTRUCTIONS,
    prompt: titlePrompt(input.message, input.reply),
    maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS,
    maxRetries: 0,
    abortSignal: input.signal,
  });
  const inputTokens = result.usage.inputTokens ?? 0;
  const outputTokens = result.usage.outputTokens ?? 0;
  return {
    title: cleanTitle(result.text),
    usage: {
      inputTokens,
      outputTokens,
      totalTokens: result.usage.totalTokens ?? inputTokens + outputTokens,
    },
  };
}
