// How a tool call reads to a person: the tool's name in words, and one line that says what it
// did or asks. Pure functions over the message part, for any UI (the hooks' useToolCall adds
// the custom result renderers).
import type { ToolCallPart } from "./types.ts";

/** "getWebhookHealth" → "Get webhook health"; an MCP tool's "everything_echo" → "Everything echo". */
export function humanToolName(toolName: string): string {
  const words = toolName
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    // An acronym before a word: "getHTTPStatus" → "get HTTP Status".
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The longest summary line, in characters; a longer one ends in "…". */
export const SUMMARY_MAX_LENGTH = 160;

function shorten(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > SUMMARY_MAX_LENGTH ? `${line.slice(0, SUMMARY_MAX_LENGTH - 1)}…` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A value in a few words: strings as they are, lists by their length, objects by their keys. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return value;
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  return `${Object.keys(value).length} field${Object.keys(value).length === 1 ? "" : "s"}`;
}

/** `{ sinceHours: 24, endpointId: "we_1" }` → "since hours: 24, endpoint id: we_1". */
function describeFields(value: Record<string, unknown>): string {
  return Object.entries(value)
    .map(([key, item]) => `${humanToolName(key).toLowerCase()}: ${describeValue(item)}`)
    .join(", ");
}

/** A question put to the user (an `askUser` call) and, once answered, the answer. */
export interface ToolQuestion {
  question: string;
  answer: string | null;
}

/** A tool call as a person reads it. */
export interface ToolCallDescription {
  /** The tool's name in words ("Get webhook health"). */
  title: string;
  /**
   * One line, at most SUMMARY_MAX_LENGTH characters: the result's own `summary` (or `message`)
   * when it has one, else the inputs ("since hours: 24"), else the reason it failed, was denied
   * or cancelled; "" when there is nothing to say.
   */
  summary: string;
  /** Set when the call asks the user something: the question, and the answer once given. */
  question: ToolQuestion | null;
}

/**
 * The question of a call that asks the user: while it waits (`part.question`), and after it was
 * answered (the call's input `{ question }` with its output `{ answer }`), so that the answered
 * question still reads as question and answer.
 */
export function toolQuestion(part: ToolCallPart): ToolQuestion | null {
  if (part.state === "awaiting-input") {
    return { question: part.question ?? "The agent has a question.", answer: null };
  }
  const asked = isRecord(part.input) ? part.input.question : undefined;
  const answer = isRecord(part.output) ? part.output.answer : undefined;
  if (typeof asked === "string" && typeof answer === "string") {
    return { question: asked, answer };
  }
  return null;
}

/** The title, one-line summary and question (if any) of a tool call. */
export function describeToolCall(part: ToolCallPart): ToolCallDescription {
  const title = humanToolName(part.toolName);
  const question = toolQuestion(part);
  if (question) {
    return {
      title,
      summary: shorten(question.answer === null ? question.question : question.answer),
      question,
    };
  }
  if (part.error && ["failed", "denied", "cancelled"].includes(part.state)) {
    return { title, summary: shorten(part.error), question: null };
  }
  if (part.state === "completed" && isRecord(part.output)) {
    const own = part.output.summary ?? part.output.message;
    if (typeof own === "string" && own.trim()) {
      return { title, summary: shorten(own), question: null };
    }
  }
  if (part.state === "completed" && typeof part.output === "string" && part.output.trim()) {
    return { title, summary: shorten(part.output), question: null };
  }
  const summary = isRecord(part.input) ? describeFields(part.input) : "";
  return { title, summary: shorten(summary), question: null };
}
