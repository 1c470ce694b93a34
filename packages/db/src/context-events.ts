// The context event log: every change to a context, numbered 1, 2, 3... without gaps. A batch of
// events takes its numbers from context.last_seq in the caller's transaction, together with the
// message rows it describes, so the log and the messages never disagree.
import type { Db } from "./connection.ts";
import { statement } from "./statements.ts";

export interface ContextEventRow {
  seq: number;
  type: string;
  /** JSON of the whole event. */
  payload: string;
  created_at: number;
}

/**
 * Appends events (each with a `type`) to the context's log and returns their seqs. Also marks
 * the context active at `now`. Call it inside the transaction that makes the change.
 */
export function appendContextEvents(
  db: Db,
  contextId: string,
  events: readonly { type: string }[],
  now: number,
): number[] {
  if (events.length === 0) return [];
  if (!db.inTransaction) throw new Error("appendContextEvents must run inside a transaction");
  const row = statement<[number, number, string], { last_seq: number }>(
    db,
    "UPDATE context SET last_seq = last_seq + ?, last_activity_at = ? WHERE id = ? RETURNING last_seq",
  ).get(events.length, now, contextId);
  if (!row) throw new Error(`no context ${contextId}`);
  const first = row.last_seq - events.length + 1;
  const insert = statement(
    db,
    "INSERT INTO context_event (context_id, seq, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
  );
  return events.map((event, index) => {
    insert.run(contextId, first + index, event.type, JSON.stringify(event), now);
    return first + index;
  });
}

/** Up to `limit` events after `afterSeq`, in order. */
export function listContextEvents(
  db: Db,
  contextId: string,
  afterSeq: number,
  limit: number,
): ContextEventRow[] {
  return statement<[string, number, number], ContextEventRow>(
    db,
    `SELECT seq, type, payload, created_at FROM context_event
      WHERE context_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  ).all(contextId, afterSeq, limit);
}
