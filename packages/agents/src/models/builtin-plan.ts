// What the built-in development model says next, decided without any language model: it reads
// the last user message, calls the one tool it points at best (builtin-choice.ts) with an input
// taken from it (builtin-inputs.ts), and then words an answer from the result.
import type {
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultOutput,
} from "@ai-sdk/provider";
import type { JsonValue } from "../types.ts";
import { chooseTool, readMessage, spoken } from "./builtin-choice.ts";
import { answerAboutFiles, attachmentMark, latestFiles } from "./builtin-files.ts";
import { inputFor } from "./builtin-inputs.ts";

export type BuiltinPlan =
  | { kind: "tool-call"; toolName: string; input: { [key: string]: JsonValue } }
  | { kind: "text"; text: string }
  /** "stream N words": N words of filler, produced one at a time, never as one string. */
  | { kind: "filler"; words: number }
  /**
   * "fail once": the model call fails like a provider's (see createBuiltinModel) the first time
   * the model sees the conversation, and says `retry` the next time (a retry).
   */
  | { kind: "fail-once"; retry: { kind: "text"; text: string } };

/** Longest reply "stream N words" gives, so that a typo cannot exhaust memory. */
export const MAX_STREAM_WORDS = 200_000;

const STREAM_WORDS = /\bstream\s+(\d{1,9})\s+words?\b/i;

/**
 * The message's first fenced code block (```lang, lines, ```), fences included, or null. Only
 * the first opening fence is tried, so that the time taken stays linear in the message.
 */
function fencedCode(text: string): string | null {
  const open = /^```[^\n`]*\n/m.exec(text);
  if (!open) return null;
  const close = /\n```[ \t]*(?:\n|$)/.exec(text.slice(open.index + open[0].length - 1));
  if (!close) return null;
  return text.slice(open.index, open.index + open[0].length - 1 + close.index + 4);
}
const FAIL_ONCE = /\bfail once\b/i;

export const FILLER =
  "The built-in development model streams this sentence again and again so that you can watch a long reply arrive word by word.".split(
    " ",
  );

function describeJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  return Object.entries(value)
    .map(([key, item]) => `${spoken(key)} ${describeJson(item)}`)
    .join(", ");
}

function describeResult(toolName: string, output: LanguageModelV3ToolResultOutput): string {
  const name = spoken(toolName);
  switch (output.type) {
    case "json": {
      const value = output.value as JsonValue;
      if (value && typeof value === "object" && !Array.isArray(value)) {
        if (typeof value.summary === "string") return value.summary;
        if (typeof value.answer === "string") return `You answered: ${value.answer}.`;
      }
      return `${name}: ${describeJson(value)}.`;
    }
    case "text":
      return `${name}: ${output.value}`;
    case "execution-denied":
      return `You declined ${name}, so I did not run it.`;
    case "error-text":
      return `${name} failed: ${output.value}`;
    case "error-json":
      return `${name} failed: ${JSON.stringify(output.value)}`;
    case "content":
      return output.value.map((item) => (item.type === "text" ? item.text : "")).join(" ");
  }
}

function capabilities(tools: readonly LanguageModelV3FunctionTool[], userText: string): string {
  if (tools.length === 0) {
    return `I am the built-in development model, not a language model, and this agent has no tools, so all I can do is repeat you: ${userText}`;
  }
  const list = tools
    .map((tool) => {
      const first = (tool.description ?? "").split(/(?<=\.)\s/)[0]?.replace(/\.$/, "");
      return first ? `${spoken(tool.name)} (${first})` : spoken(tool.name);
    })
    .join("; ");
  return `I am the built-in development model, not a language model: I call the one tool your words point at best, by its name or description. I can ${list}. Ask with one of those words, or say "stream 200 words" for a long reply.`;
}

/** The next thing to say for `prompt`, given the tools on offer. */
export function planReply(
  prompt: LanguageModelV3Prompt,
  tools: readonly LanguageModelV3FunctionTool[],
): BuiltinPlan {
  const lastUser = prompt.findLastIndex((message) => message.role === "user");
  const userMessage = prompt[lastUser];
  const userText =
    userMessage?.role === "user"
      ? userMessage.content
          // The user's own words: attached files' labels and text are not part of them.
          .map((part) => (part.type === "text" && !attachmentMark(part) ? part.text : ""))
          .join(" ")
          .trim()
      : "";

  const called = new Set<string>();
  const results: string[] = [];
  for (const message of prompt.slice(lastUser + 1)) {
    if (message.role === "assistant") {
      for (const part of message.content) if (part.type === "tool-call") called.add(part.toolName);
    } else if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type === "tool-result") results.push(describeResult(part.toolName, part.output));
      }
    }
  }

  if (FAIL_ONCE.test(userText) && results.length === 0) {
    return {
      kind: "fail-once",
      retry: {
        kind: "text",
        text: 'This is the second try: the first one failed on purpose, because your message says "fail once".',
      },
    };
  }
  const long = STREAM_WORDS.exec(userText);
  if (long) {
    return { kind: "filler", words: Math.min(Math.max(Number(long[1]), 1), MAX_STREAM_WORDS) };
  }
  // Code in the message comes back as a code block: a UI's code rendering can be tried without
  // a language model.
  const code = fencedCode(userText);
  if (code) return { kind: "text", text: `Here is your code back:\n\n${code}` };
  const aboutFiles = answerAboutFiles(userText, latestFiles(prompt));
  if (aboutFiles !== null) return { kind: "text", text: aboutFiles };
  const message = readMessage(userText);
  const tool = chooseTool(message, tools);
  if (tool && !called.has(tool.name)) {
    return { kind: "tool-call", toolName: tool.name, input: inputFor(tool.inputSchema, message) };
  }
  if (results.length > 0) return { kind: "text", text: results.join(" ") };
  return { kind: "text", text: capabilities(tools, userText) };
}
