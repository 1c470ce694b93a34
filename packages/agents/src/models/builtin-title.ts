// How the builtin and scripted models answer the engine's title call (runtime/model-title.ts)
// without a language model: the first message's words that carry meaning, a few of them.
import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { TITLE_INSTRUCTIONS } from "../runtime/model-title.ts";

const STOP_WORDS = new Set(
  (
    "a an and are as at be can could did do does for from have how i in is it its me my of on or " +
    "our please should tell the their there this to was we what when where which who why will " +
    "with would you your"
  ).split(" "),
);

const MAX_WORDS = 5;

/** Whether the call is the engine asking for a conversation's title. */
export function isTitleCall(call: LanguageModelV3CallOptions): boolean {
  const first = call.prompt[0];
  return first?.role === "system" && first.content === TITLE_INSTRUCTIONS;
}

/** The message the title call quotes (its text between "The user wrote:" and the reply). */
function quotedMessage(call: LanguageModelV3CallOptions): string {
  const user = call.prompt.find((message) => message.role === "user");
  const text =
    user?.role === "user"
      ? user.content.map((part) => (part.type === "text" ? part.text : "")).join("")
      : "";
  const match = /^The user wrote:\n([\s\S]*?)\n\nThe assistant answered:/.exec(text);
  return match ? match[1]! : text;
}

/**
 * "How healthy are my webhooks?" becomes "Healthy webhooks": the message's first words that are
 * not stop words, at most five, the first capitalised. Same message, same title.
 */
export function builtinTitle(call: LanguageModelV3CallOptions): string {
  // Punctuation goes, but not inside a word: "table.csv" and "SD-1001" stay whole.
  const words = quotedMessage(call)
    .split(/\s+/)
    .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ""))
    .filter(Boolean);
  const meaningful = words.filter((word) => !STOP_WORDS.has(word.toLowerCase()));
  const chosen = (meaningful.length > 0 ? meaningful : words).slice(0, MAX_WORDS).join(" ");
  return chosen ? chosen[0]!.toUpperCase() + chosen.slice(1) : "Conversation";
}
