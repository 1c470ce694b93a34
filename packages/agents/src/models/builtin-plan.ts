// What the built-in development model says next, decided without any language model: it reads
// the last user message, matches its words against the tools' names and descriptions, calls the
// matching tools one per step, and then words an answer from their results.
import type {
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3ToolResultOutput,
} from "@ai-sdk/provider";
import type { JsonValue } from "../types.ts";

export type BuiltinPlan =
  | { kind: "tool-call"; toolName: string; input: { [key: string]: JsonValue } }
  | { kind: "text"; text: string }
  /** "stream N words": N words of filler, produced one at a time, never as one string. */
  | { kind: "filler"; words: number };

/** Longest reply "stream N words" gives, so that a typo cannot exhaust memory. */
export const MAX_STREAM_WORDS = 200_000;

const STREAM_WORDS = /\bstream\s+(\d{1,9})\s+words?\b/i;

export const FILLER =
  "The built-in development model streams this sentence again and again so that you can watch a long reply arrive word by word.".split(
    " ",
  );

// Words that say nothing about which tool is meant.
const STOP_WORDS = new Set(
  (
    "a about after all also am an and another any are as at be been before but by can could " +
    "did do does each every for from get give had has have hello hi how i if in into is it " +
    "its just let like me more most my need no not now of on one only or other our please " +
    "set show so some tell than that the their them then there these they this those to up " +
    "us use very was we were what when where which who why will with would yes you your"
  ).split(" "),
);

/** Crude stemming, enough that "deliveries" meets "delivery" and "failing" meets "failed". */
function stem(word: string): string {
  if (word.endsWith("ies") && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith("ing") && word.length > 5) return word.slice(0, -3);
  if (word.endsWith("ed") && word.length > 4) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss") && word.length > 3) return word.slice(0, -1);
  return word;
}

/** Meaningful words of a text or an identifier ("getWebhookHealth" gives webhook, health). */
export function keywords(text: string): string[] {
  const words = text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word))
    .map(stem);
  return [...new Set(words)];
}

function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.startsWith(short);
}

function hits(userWords: string[], toolWords: string[]): number {
  return userWords.filter((word) => toolWords.some((other) => sameWord(word, other))).length;
}

/**
 * The tools the user's words point at, best first. A match on a tool's name counts double
 * and wins outright; description matches decide only when no name matches.
 */
export function chooseTools(
  userText: string,
  tools: readonly LanguageModelV3FunctionTool[],
): LanguageModelV3FunctionTool[] {
  const userWords = keywords(userText);
  const scored = tools.map((tool, index) => ({
    tool,
    index,
    name: hits(userWords, keywords(tool.name)),
    description: hits(userWords, keywords(tool.description ?? "")),
  }));
  const byName = scored.filter((s) => s.name > 0);
  let pool = byName;
  if (pool.length === 0) {
    const best = Math.max(0, ...scored.map((s) => s.description));
    pool = best === 0 ? [] : scored.filter((s) => s.description === best);
  }
  return pool
    .sort((a, b) => b.name * 2 + b.description - (a.name * 2 + a.description) || a.index - b.index)
    .map((s) => s.tool);
}

type SchemaNode = {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  default?: JsonValue;
  examples?: JsonValue[];
  enum?: JsonValue[];
  minimum?: number;
  maximum?: number;
};

/** A value for a required property: its default, its first example, or a plain guess. */
function valueFor(schema: SchemaNode, userText: string): JsonValue {
  if (schema.default !== undefined) return schema.default;
  if (schema.examples?.length) return schema.examples[0]!;
  if (schema.enum?.length) return schema.enum[0]!;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "number":
    case "integer":
      return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? 1);
    case "boolean":
      return true;
    case "array":
      return [];
    case "object":
      return inputFor(schema, userText);
    default:
      return userText;
  }
}

/** An input with the required properties only: optional ones keep the tool's own defaults. */
export function inputFor(schema: unknown, userText: string): { [key: string]: JsonValue } {
  const node = (schema ?? {}) as SchemaNode;
  const input: { [key: string]: JsonValue } = {};
  for (const name of node.required ?? []) {
    const property = node.properties?.[name];
    if (property) input[name] = valueFor(property, userText);
  }
  return input;
}

/** "retryFailedDeliveries" as people say it: "retry failed deliveries". */
export function spoken(identifier: string): string {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
}

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
  return `I am the built-in development model, not a language model: I call a tool when your words match its name or description. I can ${list}. Ask with one of those words, or say "stream 200 words" for a long reply.`;
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
          .map((part) => (part.type === "text" ? part.text : ""))
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

  const long = STREAM_WORDS.exec(userText);
  if (long) {
    return { kind: "filler", words: Math.min(Math.max(Number(long[1]), 1), MAX_STREAM_WORDS) };
  }
  const next = chooseTools(userText, tools).find((tool) => !called.has(tool.name));
  if (next) {
    return { kind: "tool-call", toolName: next.name, input: inputFor(next.inputSchema, userText) };
  }
  if (results.length > 0) return { kind: "text", text: results.join(" ") };
  return { kind: "text", text: capabilities(tools, userText) };
}
