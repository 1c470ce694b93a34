// The shapes the chat UI renders, taken from the API's own types: nothing declared twice.
import type { RouterOutputs } from "@agent-access/api";

export type ContextMessage = RouterOutputs["context"]["messages"]["items"][number];
export type MessagePart = ContextMessage["parts"][number];
export type ToolCallPart = Extract<MessagePart, { type: "tool-call" }>;
export type ContextSummary = RouterOutputs["context"]["list"]["items"][number];
