// The model conversation, rebuilt from the stored messages before every model step. Nothing of
// it lives only in memory, which is why a run paused for approval resumes after a restart.
import type { ModelMessage, ToolResultPart, UserContent } from "ai";
import { isImageType, isTextType } from "../attachments/policy.ts";
import type { ContextMessage, FilePart, ToolCallPart } from "../types.ts";

/**
 * The provider-options key under which attachment parts carry what they are. Providers ignore
 * keys that are not theirs; the builtin model reads it to tell the user's words from files.
 */
export const ATTACHMENT_OPTIONS_KEY = "agentAccess";

type UserParts = Exclude<UserContent, string>;

/** A user message's attached file as model parts: a line naming it, then its content. */
function fileParts(part: FilePart, bytes: Uint8Array | undefined): UserParts {
  const about = { id: part.id, name: part.name, mediaType: part.mediaType, size: part.size };
  const label = `Attached file "${part.name}" (${part.mediaType}, ${part.size} bytes)`;
  const tag = (role: "label" | "content") => ({
    [ATTACHMENT_OPTIONS_KEY]: { attachment: { ...about, role } },
  });
  if (!bytes) {
    return [
      { type: "text", text: `${label}: no longer available.`, providerOptions: tag("label") },
    ];
  }
  const parts: UserParts = [{ type: "text", text: `${label}:`, providerOptions: tag("label") }];
  if (isTextType(part.mediaType)) {
    // Text-like files go in as text: every model reads that, not every one takes text files.
    const text = new TextDecoder().decode(bytes);
    parts.push({ type: "text", text, providerOptions: tag("content") });
  } else if (isImageType(part.mediaType)) {
    parts.push({
      type: "image",
      image: bytes,
      mediaType: part.mediaType,
      providerOptions: tag("content"),
    });
  } else {
    parts.push({
      type: "file",
      data: bytes,
      mediaType: part.mediaType,
      filename: part.name,
      providerOptions: tag("content"),
    });
  }
  return parts;
}

/** The ids of the files attached to `messages`, whose bytes toModelMessages needs. */
export function attachedFileIds(messages: readonly ContextMessage[]): string[] {
  return messages.flatMap((message) =>
    message.role === "user"
      ? message.parts.flatMap((part) => (part.type === "file" ? [part.id] : []))
      : [],
  );
}

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
 * Messages in the AI SDK's form. A user message's files follow its text, each as a line naming
 * it and then its content (`files` holds their bytes by id): text-like files as text, images
 * as image parts, PDFs as file parts. An assistant message holds the steps of one run: text, tool
 * calls, then (after their results) more text and so on; each step becomes an assistant
 * message followed by a tool message with the results of its calls.
 */
export function toModelMessages(
  messages: readonly ContextMessage[],
  files: ReadonlyMap<string, Uint8Array> = new Map(),
): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
      const attached = message.parts.filter((part) => part.type === "file");
      if (attached.length === 0) {
        out.push({ role: "user", content: text });
        continue;
      }
      const content: UserParts = text === "" ? [] : [{ type: "text", text }];
      for (const part of attached) content.push(...fileParts(part, files.get(part.id)));
      out.push({ role: "user", content });
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
      if (part.type !== "tool-call") continue;
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
