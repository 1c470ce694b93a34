// Ratings of assistant messages (good or bad, with an optional comment), one per message. The
// browser reaches a message through a context the caller's scope allowed; the host API reads a
// group's ratings with the group in the SQL.
import type { Db } from "./connection.ts";
import { all, get, run } from "./sql.ts";

export type FeedbackRating = "good" | "bad";

export interface MessageFeedbackRow {
  message_id: string;
  context_id: string;
  context_group: string;
  rating: FeedbackRating;
  comment: string | null;
  created_at: number;
  updated_at: number;
}

const COLUMNS = "message_id, context_id, context_group, rating, comment, created_at, updated_at";

export interface NewFeedback {
  messageId: string;
  contextId: string;
  contextGroup: string;
  rating: FeedbackRating;
  comment: string | null;
  now: number;
}

/** Records the rating of a message, replacing an earlier one (which keeps its created_at). */
export async function setMessageFeedback(
  db: Db,
  feedback: NewFeedback,
): Promise<MessageFeedbackRow> {
  const row = await get<MessageFeedbackRow>(
    db,
    `INSERT INTO message_feedback
       (message_id, context_id, context_group, rating, comment, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (message_id) DO UPDATE
       SET rating = excluded.rating, comment = excluded.comment, updated_at = excluded.updated_at
     RETURNING ${COLUMNS}`,
    [
      feedback.messageId,
      feedback.contextId,
      feedback.contextGroup,
      feedback.rating,
      feedback.comment,
      feedback.now,
      feedback.now,
    ],
  );
  return row!;
}

/** Takes a message's rating back; returns whether it had one. */
export async function clearMessageFeedback(
  db: Db,
  contextId: string,
  messageId: string,
): Promise<boolean> {
  const deleted = await run(
    db,
    "DELETE FROM message_feedback WHERE context_id = ? AND message_id = ?",
    [contextId, messageId],
  );
  return deleted === 1;
}

export interface GroupFeedbackQuery {
  /** Start after this position of the order (updated_at, then message id, both descending). */
  after?: { updatedAt: number; messageId: string };
  limit: number;
  contextId?: string;
  rating?: FeedbackRating;
}

const FILTERS = `context_group = :group
  AND (CAST(:contextId AS text) IS NULL OR context_id = :contextId)
  AND (CAST(:rating AS text) IS NULL OR rating = :rating)`;
const ORDER = "ORDER BY updated_at DESC, message_id DESC LIMIT :limit";
// Two statements, as in contexts.ts: the cursor must bound the index range.
const FIRST_PAGE = `SELECT ${COLUMNS} FROM message_feedback WHERE ${FILTERS} ${ORDER}`;
const PAGE_AFTER = `SELECT ${COLUMNS} FROM message_feedback
  WHERE ${FILTERS} AND (updated_at, message_id) < (:afterAt, :afterId) ${ORDER}`;

/** The group's ratings, newest change first, a page at a time. */
export function listGroupFeedback(
  db: Db,
  group: string,
  query: GroupFeedbackQuery,
): Promise<MessageFeedbackRow[]> {
  return all<MessageFeedbackRow>(db, query.after ? PAGE_AFTER : FIRST_PAGE, {
    group,
    afterAt: query.after?.updatedAt ?? null,
    afterId: query.after?.messageId ?? null,
    contextId: query.contextId ?? null,
    rating: query.rating ?? null,
    limit: query.limit,
  });
}
