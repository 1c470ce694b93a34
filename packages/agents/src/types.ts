// What the engine hands out: plain JSON shapes that travel through tRPC to the React hooks
// unchanged (no Dates, no classes, no undefined-vs-missing distinctions that JSON would lose).
import type { ContextStatus, AgentScope as DbAgentScope, RunStatus } from "@agent-access/db";

export type { ContextStatus, RunStatus } from "@agent-access/db";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * The facts an app's backend put in a ticket (a JSON object of at most 8 KB), stored with the
 * agent session the ticket became. The browser can read it but never write it.
 */
export type HostContext = { readonly [key: string]: JsonValue };

/** Who is asking: the tenant rule (group and agents) and the session's host context. */
export interface AgentScope extends DbAgentScope {
  /** Default `{}`. */
  hostContext?: HostContext;
}

export interface ContextSummary {
  id: string;
  title: string;
  agentId: string;
  status: ContextStatus;
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
  /** The seq of the newest event in the context's log; subscribe after it to follow on. */
  lastEventId: number;
}

/**
 * A tool call's life: `running` (the model asked for it and it runs, or is about to), then
 * `completed` or `failed`; or first `awaiting-approval` (then `running`, or `denied`) or
 * `awaiting-input` (then `completed` with the user's answer); `cancelled` when the run ended
 * before the call did.
 */
export type ToolCallState =
  | "running"
  | "awaiting-approval"
  | "awaiting-input"
  | "completed"
  | "denied"
  | "failed"
  | "cancelled";

export interface TextPart {
  type: "text";
  text: string;
}

export interface ToolCallPart {
  type: "tool-call";
  toolCallId: string;
  toolName: string;
  input: JsonValue;
  state: ToolCallState;
  /** The tool's result, once `completed`. */
  output?: JsonValue;
  /** Why the call `failed`, was `denied` or `cancelled`. */
  error?: string;
  /** The question put to the user while `awaiting-input`. */
  question?: string;
}

/**
 * A file attached to a user message. Its bytes are fetched from the attachment download route
 * (`/attachments/<id>`) by a session that can read the context.
 */
export interface FilePart {
  type: "file";
  /** The attachment's id. */
  id: string;
  /** The file name as uploaded (its last path segment, cleaned). */
  name: string;
  /** The type decided from the file's bytes, e.g. "image/png" or "text/csv". */
  mediaType: string;
  /** Size in bytes. */
  size: number;
}

export type MessagePart = TextPart | ToolCallPart | FilePart;

export interface ContextMessage {
  id: string;
  /** Order within the context. */
  seq: number;
  role: "user" | "assistant";
  parts: MessagePart[];
  /** The run that wrote an assistant message; null for user messages. */
  runId: string | null;
  createdAt: number;
  /**
   * How the run that wrote an assistant message ended; null while it is unfinished, and for
   * user messages.
   */
  outcome: RunOutcome | null;
  /** The user's rating of an assistant message; null when there is none. */
  feedback: MessageFeedback | null;
}

/** How a run ended, as its user is told: `error` says why it failed or was interrupted. */
export interface RunOutcome {
  status: FinishedRunStatus;
  error: string | null;
}

export type FeedbackRating = "good" | "bad";

/** A user's rating of an assistant message, with an optional comment. */
export interface MessageFeedback {
  rating: FeedbackRating;
  comment: string | null;
}

export interface RunUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export type FinishedRunStatus = Extract<
  RunStatus,
  "completed" | "failed" | "cancelled" | "interrupted"
>;

/**
 * Every change to a context, as appended to its log. A client that holds the messages as of
 * event N and applies events N+1, N+2... in order holds the messages as they are.
 */
export type ContextEvent =
  | { type: "run.started"; runId: string; agentId: string; triggerMessageId: string }
  /** A new message, whole (an assistant message starts with no parts). */
  | { type: "message.created"; message: ContextMessage }
  /** `text` appended to the text part at `partIndex`. */
  | { type: "message.delta"; messageId: string; partIndex: number; text: string }
  /** The part at `partIndex` set whole: a new part, or a tool call that changed state. */
  | { type: "message.part"; messageId: string; partIndex: number; part: MessagePart }
  /** The message will not change any more. */
  | { type: "message.completed"; messageId: string }
  /** Messages removed (regenerate replaces the last reply). */
  | { type: "messages.removed"; messageIds: string[] }
  /** The run paused until the user approves a tool call or answers a question. */
  | {
      type: "run.waiting";
      runId: string;
      reason: "approval" | "input";
      messageId: string;
      toolCallId: string;
      toolName: string;
      input: JsonValue;
      question?: string;
    }
  | {
      type: "run.finished";
      runId: string;
      status: FinishedRunStatus;
      usage: RunUsage;
      error?: string;
    }
  | { type: "context.updated"; title: string; status: ContextStatus }
  /** The user rated an assistant message, changed the rating, or took it back (null). */
  | { type: "message.feedback"; messageId: string; feedback: MessageFeedback | null };

/** An event with its place in the context's log. */
export interface SequencedEvent {
  seq: number;
  event: ContextEvent;
}
