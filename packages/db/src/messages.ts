// Messages of a context, in the order of their per-context `seq`. Parts are stored as JSON text;
// packages/agents owns their shape. Callers have already checked the context against the scope.
import type { Db } from "./connection.ts";
import type { FeedbackRating } from "./message-feedback.ts";
import type { RunStatus } from "./runs.ts";
import { all, get, run } from "./sql.ts";

export type MessageRole = "user" | "assistant";

export interface MessageRow {
  id: string;
  context_id: string;
  seq: number;
  role: MessageRole;
  /** JSON array of parts. */
  parts: string;
  run_id: string | null;
  created_at: number;
}

const COLUMNS = "id, context_id, seq, role, parts, run_id, created_at";

/** A message as a page shows it: with how its run stands and the user's rating of it. */
export interface ListedMessageRow extends MessageRow {
  /** The status of the run that wrote it (null for a user message). */
  run_status: RunStatus | null;
  /** Why that run failed or was interrupted, as its user is told. */
  run_error: string | null;
  feedback_rating: FeedbackRating | null;
  feedback_comment: string | null;
}

const LISTED = `SELECT m.id, m.context_id, m.seq, m.role, m.parts, m.run_id, m.created_at,
    r.status AS run_status, r.error AS run_error,
    f.rating AS feedback_rating, f.comment AS feedback_comment
  FROM message m
  LEFT JOIN run r ON r.id = m.run_id
  LEFT JOIN message_feedback f ON f.message_id = m.id`;

export interface NewMessage {
  id: string;
  contextId: string;
  role: MessageRole;
  parts: string;
  runId: string | null;
  now: number;
}

/** Appends a message after the context's last one; returns its seq. */
export async function insertMessage(db: Db, message: NewMessage): Promise<number> {
  const row = await get<{ seq: number }>(
    db,
    `INSERT INTO message (id, context_id, seq, role, parts, run_id, created_at)
     VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM message WHERE context_id = ?), ?, ?, ?, ?)
     RETURNING seq`,
    [
      message.id,
      message.contextId,
      message.contextId,
      message.role,
      message.parts,
      message.runId,
      message.now,
    ],
  );
  return row!.seq;
}

export async function setMessageParts(db: Db, id: string, parts: string): Promise<void> {
  await run(db, "UPDATE message SET parts = ? WHERE id = ?", [parts, id]);
}

export function getMessage(db: Db, contextId: string, id: string): Promise<MessageRow | undefined> {
  return get<MessageRow>(db, `SELECT ${COLUMNS} FROM message WHERE context_id = ? AND id = ?`, [
    contextId,
    id,
  ]);
}

/**
 * The newest `limit` messages before `beforeSeq` (or the newest of all), oldest first, each
 * with its run's status and error and its rating.
 */
export async function listMessages(
  db: Db,
  contextId: string,
  query: { beforeSeq?: number; limit: number },
): Promise<ListedMessageRow[]> {
  // Two statements, so that `seq < ?` bounds the index range: with `? IS NULL OR seq < ?` an
  // older page walked the context's messages from the newest down to the cursor.
  const rows =
    query.beforeSeq === undefined
      ? await all<ListedMessageRow>(
          db,
          `${LISTED} WHERE m.context_id = ? ORDER BY m.seq DESC LIMIT ?`,
          [contextId, query.limit],
        )
      : await all<ListedMessageRow>(
          db,
          `${LISTED} WHERE m.context_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`,
          [contextId, query.beforeSeq, query.limit],
        );
  return rows.reverse();
}

/** Every message of the context, oldest first: what a model call is rebuilt from. */
export function allMessages(db: Db, contextId: string): Promise<MessageRow[]> {
  return all<MessageRow>(db, `SELECT ${COLUMNS} FROM message WHERE context_id = ? ORDER BY seq`, [
    contextId,
  ]);
}

export function lastMessageWithRole(
  db: Db,
  contextId: string,
  role: MessageRole,
): Promise<MessageRow | undefined> {
  return get<MessageRow>(
    db,
    `SELECT ${COLUMNS} FROM message WHERE context_id = ? AND role = ? ORDER BY seq DESC LIMIT 1`,
    [contextId, role],
  );
}

export function firstMessageWithRole(
  db: Db,
  contextId: string,
  role: MessageRole,
): Promise<MessageRow | undefined> {
  return get<MessageRow>(
    db,
    `SELECT ${COLUMNS} FROM message WHERE context_id = ? AND role = ? ORDER BY seq LIMIT 1`,
    [contextId, role],
  );
}

/** The assistant message a run writes into. */
export function messageOfRun(db: Db, runId: string): Promise<MessageRow | undefined> {
  return get<MessageRow>(
    db,
    `SELECT ${COLUMNS} FROM message WHERE run_id = ? AND role = 'assistant' ORDER BY seq LIMIT 1`,
    [runId],
  );
}

/** Deletes the messages after `seq`; returns their ids, oldest first. */
export async function deleteMessagesAfter(
  db: Db,
  contextId: string,
  seq: number,
): Promise<string[]> {
  const rows = await all<{ id: string; seq: number }>(
    db,
    "DELETE FROM message WHERE context_id = ? AND seq > ? RETURNING id, seq",
    [contextId, seq],
  );
  return rows.sort((a, b) => a.seq - b.seq).map((row) => row.id);
}
