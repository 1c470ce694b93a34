// Database rows to the plain shapes the engine hands out.
import type { ContextEventRow, ContextRow, ListedMessageRow, MessageRow } from "@agent-access/db";
import type {
  ContextEvent,
  ContextMessage,
  ContextSummary,
  FinishedRunStatus,
  JsonValue,
  MessagePart,
  RunUsage,
  SequencedEvent,
} from "../types.ts";

export const NO_USAGE: RunUsage = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

export function toSummary(row: ContextRow): ContextSummary {
  return {
    id: row.id,
    title: row.title,
    agentId: row.agent_id,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastActivityAt: row.last_activity_at,
    lastEventId: row.last_seq,
  };
}

const FINISHED: ReadonlySet<string> = new Set(["completed", "failed", "cancelled", "interrupted"]);

/**
 * A stored message as handed out. A listed row (a page) brings its run's end and its rating;
 * a plain row (the model's history) has neither.
 */
export function toMessage(row: MessageRow | ListedMessageRow): ContextMessage {
  const listed = "run_status" in row ? row : null;
  return {
    id: row.id,
    seq: row.seq,
    role: row.role,
    parts: JSON.parse(row.parts) as MessagePart[],
    runId: row.run_id,
    createdAt: row.created_at,
    outcome:
      listed?.run_status && FINISHED.has(listed.run_status)
        ? { status: listed.run_status as FinishedRunStatus, error: listed.run_error }
        : null,
    feedback: listed?.feedback_rating
      ? { rating: listed.feedback_rating, comment: listed.feedback_comment }
      : null,
  };
}

export function toSequenced(row: ContextEventRow): SequencedEvent {
  return { seq: row.seq, event: JSON.parse(row.payload) as ContextEvent };
}

export function parseUsage(json: string | null): RunUsage {
  return json === null ? NO_USAGE : (JSON.parse(json) as RunUsage);
}

/** A tool's output as stored: JSON only (undefined becomes null; a non-JSON value throws). */
export function toJson(value: unknown): JsonValue {
  const text = JSON.stringify(value ?? null);
  if (text === undefined) throw new Error("The tool returned a value that is not JSON.");
  return JSON.parse(text) as JsonValue;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}
