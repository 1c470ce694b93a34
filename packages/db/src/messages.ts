// Messages of a context, in the order of their per-context `seq`. Parts are stored as JSON text;
// packages/agents owns their shape. Callers have already checked the context against the scope.
import { type Db, dialectOf } from "./connection.ts";
import { type AgentScope, inScope, scopeParams } from "./contexts.ts";
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

/** A message row's columns (MessageRow). */
export const MESSAGE_COLUMNS = "id, context_id, seq, role, parts, run_id, created_at";

/** A message as a page shows it: with how its run stands and the user's rating of it. */
export interface ListedMessageRow extends MessageRow {
  /** The status of the run that wrote it (null for a user message). */
  run_status: RunStatus | null;
  /** Why that run failed or was interrupted, as its user is told. */
  run_error: string | null;
  feedback_rating: FeedbackRating | null;
  feedback_comment: string | null;
}

const LISTED_COLUMNS = `m.id, m.context_id, m.seq, m.role, m.parts, m.run_id, m.created_at,
    r.status AS run_status, r.error AS run_error,
    f.rating AS feedback_rating, f.comment AS feedback_comment`;
const LISTED_FROM = `FROM message m
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
  return get<MessageRow>(
    db,
    `SELECT ${MESSAGE_COLUMNS} FROM message WHERE context_id = ? AND id = ?`,
    [contextId, id],
  );
}

/** A page of a context's messages and the context's last event seq, read together. */
export interface MessagePage {
  /** The context's `last_seq` in the same snapshot as the page: where a stream resumes. */
  lastSeq: number;
  /** The page, oldest first. */
  rows: ListedMessageRow[];
}

/**
 * The newest `limit` messages of a live context, or those before the message `before`, with the
 * context's last seq as of the page: the page and `lastSeq` agree, so a stream resumed from
 * `lastSeq` neither repeats nor misses what the page shows. With `scope`, the context must be in
 * it (the tenant rule, contexts.ts); without, any live context (the host API). "no context"
 * when it is not found, as for one that does not exist; "no cursor" when `before` names no
 * message of it.
 *
 * On PostgreSQL, one statement: the context's row with the cursor's seq, and the page joined
 * to it, all in the statement's one snapshot (each round trip costs more than the joined
 * statement's execution; with the statement prepared on the connection, its planning is paid
 * once, not per call as when it was first tried and rejected for taking 0.9 ms to plan).
 *
 * On SQLite, two statements, no transaction (a call costs no round trip, and the joined
 * statement read slower than both together, benchmark 5): the context's row with the cursor's
 * seq, then the page, which reads the context's last seq itself, so that one statement's
 * snapshot holds both. When the page is empty it has no row to carry the last seq, and the
 * first statement's is returned: the events after it hold no message the empty page shows.
 */
export async function messagePage(
  db: Db,
  contextId: string,
  query: { scope?: AgentScope; before?: string; limit: number },
): Promise<MessagePage | "no context" | "no cursor"> {
  const params = {
    id: contextId,
    limit: query.limit,
    ...(query.before === undefined ? {} : { before: query.before }),
    ...(query.scope ? scopeParams(query.scope) : {}),
  };
  const cursor =
    query.before === undefined
      ? "NULL"
      : "(SELECT b.seq FROM message b WHERE b.context_id = :id AND b.id = :before)";
  const foundSql = `SELECT c.last_seq, ${cursor} AS cursor_seq FROM context c
      WHERE c.id = :id AND ${query.scope ? inScope("c") : "c.deleted_at IS NULL"}`;
  if (dialectOf(db) === "postgres") return await joinedPage(db, foundSql, query, params);
  const found = await get<{ last_seq: number; cursor_seq: number | null }>(db, foundSql, params);
  if (!found) return "no context";
  if (query.before !== undefined && found.cursor_seq === null) return "no cursor";
  // The cursor's seq bounds the index range: each engine walks the message index from it down
  // and stops after `limit` rows (benchmark 5 checks the plans). The last seq is a subquery of
  // its own, which both engines evaluate once per statement.
  const rows = await all<ListedMessageRow & { page_last_seq: number }>(
    db,
    `SELECT ${LISTED_COLUMNS},
        (SELECT lc.last_seq FROM context lc WHERE lc.id = :id) AS page_last_seq
      ${LISTED_FROM} WHERE m.context_id = :id${found.cursor_seq === null ? "" : " AND m.seq < :beforeSeq"}
      ORDER BY m.seq DESC LIMIT :limit`,
    { id: contextId, limit: query.limit, beforeSeq: found.cursor_seq },
  );
  const lastSeq = rows[0]?.page_last_seq ?? found.last_seq;
  return {
    lastSeq,
    rows: rows.reverse().map(({ page_last_seq: _, ...row }) => row),
  };
}

/**
 * messagePage on PostgreSQL: `found` (the context's row and the cursor's seq) with the page
 * joined to it; no row when the context is not found, one row of nulls but for the context's
 * when the page is empty.
 */
async function joinedPage(
  db: Db,
  found: string,
  query: { before?: string },
  params: Record<string, unknown>,
): Promise<MessagePage | "no context" | "no cursor"> {
  const rows = await all<
    { found_last_seq: number; cursor_seq: number | null } & {
      [K in keyof ListedMessageRow]: ListedMessageRow[K] | null;
    }
  >(
    db,
    `WITH found AS (${found})
     SELECT found.last_seq AS found_last_seq, found.cursor_seq, page.*
       FROM found LEFT JOIN LATERAL (
         SELECT ${LISTED_COLUMNS} ${LISTED_FROM}
          WHERE m.context_id = :id${query.before === undefined ? "" : " AND m.seq < found.cursor_seq"}
          ORDER BY m.seq DESC LIMIT :limit) page ON true`,
    params,
  );
  const first = rows[0];
  if (!first) return "no context";
  if (query.before !== undefined && first.cursor_seq === null) return "no cursor";
  const page = first.id === null ? [] : (rows as unknown as (ListedMessageRow & typeof first)[]);
  return {
    lastSeq: first.found_last_seq,
    rows: page.reverse().map(({ found_last_seq: _, cursor_seq: __, ...row }) => row),
  };
}

/** Every message of the context, oldest first: what a model call is rebuilt from. */
export function allMessages(db: Db, contextId: string): Promise<MessageRow[]> {
  return all<MessageRow>(
    db,
    `SELECT ${MESSAGE_COLUMNS} FROM message WHERE context_id = ? ORDER BY seq`,
    [contextId],
  );
}

export function lastMessageWithRole(
  db: Db,
  contextId: string,
  role: MessageRole,
): Promise<MessageRow | undefined> {
  return get<MessageRow>(
    db,
    `SELECT ${MESSAGE_COLUMNS} FROM message WHERE context_id = ? AND role = ? ORDER BY seq DESC LIMIT 1`,
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
    `SELECT ${MESSAGE_COLUMNS} FROM message WHERE context_id = ? AND role = ? ORDER BY seq LIMIT 1`,
    [contextId, role],
  );
}

/** The assistant message a run writes into. */
export function messageOfRun(db: Db, runId: string): Promise<MessageRow | undefined> {
  return get<MessageRow>(
    db,
    `SELECT ${MESSAGE_COLUMNS} FROM message WHERE run_id = ? AND role = 'assistant' ORDER BY seq LIMIT 1`,
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
