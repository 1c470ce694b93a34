// The model conversation, rebuilt from the stored messages before every model step. Nothing of
// it lives only in memory, which is why a run paused for approval resumes after a restart.
import type { ModelMessage, ToolResultPart } from "ai";
import type { ContextMessage, ToolCallPart } from "../types.ts";

type AssistantContent = Exclude<Extract<ModelMessage, { role: "assistant" }>["content"], string>;

function resultOf(part: ToolCallPart): ToolResultPart["output"] {
  switch (part.state) {
    case "completed":
      return { type: "json", value: part.output ?? null };
    case "denied":
      return { type: "execution-denied", reason: part.error ?? "The user denied this call." };
    default:
      // failed and cancelled; an unsettled call never reaches a model step (the run settles or
      // pauses first), but an old one is answered rather than left dangling.
      return { type: "error-text", value: part.error ?? `The call ended ${part.state}.` };
  }
}

/**
 * Messages in the AI SDK's form. An assistant message holds the steps of one run: text, tool
 * calls, then (after their results) more text and so on; each step becomes an assistant
 * message followed by a tool message with the results of its calls.
 */
export function toModelMessages(messages: readonly ContextMessage[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
      out.push({ role: "user", content: text });
      continue;
    }
    let content: AssistantContent = [];
    let results: ToolResultPart[] = [];
    const flush = () => {
      if (content.length > 0) out.push({ role: "assistant", content });
      if (results.length > 0) out.push({ role: "tool", content: results });
      content = [];
      results = [];
    };
    for (const part of message.parts) {
      if (part.type === "text") {
        // Text after tool calls was written by the next step, after their results.
        if (results.length > 0) flush();
        if (part.text !== "") content.push({ type: "text", text: part.text });
        continue;
      }
      content.push({
        type: "tool-call",
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
      });
      results.push({
        type: "tool-result",
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        output: resultOf(part),
      });
    }
    flush();
  }
  return out;
}
