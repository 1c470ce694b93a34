// The context event log: every change to a context, numbered 1, 2, 3... without gaps. A batch of
// events takes its numbers from context.last_seq in the caller's transaction, together with the
// message rows it describes, so the log and the messages never disagree. The UPDATE that takes
// the numbers also locks the context's row (on PostgreSQL until the transaction ends), so two
// writers on different instances number their batches one after the other, and a rolled-back
// batch gives its numbers back: the log stays gapless. (context_id, seq) is the primary key.
import { type Db, dialectOf } from "./connection.ts";
import { checkChannel } from "./notify.ts";
import { all, get, isTransaction, run } from "./sql.ts";

export interface ContextEventRow {
  seq: number;
  type: string;
  /** JSON of the whole event. */
  payload: string;
  created_at: number;
}

export interface AppendOptions {
  /**
   * PostgreSQL: a notification sent when the transaction commits (as `notify` would), its
   * payload made from the last seq of the batch. It rides on the statement that inserts the
   * events, so it costs no round trip of its own. Ignored on SQLite.
   */
  notify?: { channel: string; payload: (lastSeq: number) => string };
  /**
   * PostgreSQL: more notifications sent when the transaction commits, before `notify`'s, on
   * the same statement. Ignored on SQLite.
   */
  notifyAlso?: readonly { channel: string; payload: string }[];
}

/**
 * Appends events (each with a `type`) to the context's log and returns their seqs. Also marks
 * the context active at `now`. Call it inside the transaction that makes the change.
 */
export async function appendContextEvents(
  db: Db,
  contextId: string,
  events: readonly { type: string }[],
  now: number,
  options: AppendOptions = {},
): Promise<number[]> {
  if (events.length === 0) return [];
  if (!isTransaction(db)) throw new Error("appendContextEvents must run inside a transaction");
  const row = await get<{ last_seq: number }>(
    db,
    "UPDATE context SET last_seq = last_seq + ?, last_activity_at = ? WHERE id = ? RETURNING last_seq",
    [events.length, now, contextId],
  );
  if (!row) throw new Error(`no context ${contextId}`);
  const first = row.last_seq - events.length + 1;
  const seqs = events.map((_, index) => first + index);
  // One INSERT for the batch: one round trip on PostgreSQL, however many events.
  const values = events.map(() => "(?, ?, ?, ?, ?)").join(", ");
  const insert = `INSERT INTO context_event (context_id, seq, type, payload, created_at) VALUES ${values}`;
  const params: unknown[] = events.flatMap((event, index) => [
    contextId,
    seqs[index],
    event.type,
    JSON.stringify(event),
    now,
  ]);
  const notifications = [...(options.notifyAlso ?? [])];
  if (options.notify) {
    const { channel, payload } = options.notify;
    notifications.push({ channel, payload: payload(row.last_seq) });
  }
  if (notifications.length > 0 && dialectOf(db) === "postgres") {
    for (const { channel } of notifications) checkChannel(channel);
    // A data-modifying WITH runs once, whether or not the query reads it: one statement both
    // inserts and queues the notifications (sent at commit in this order, dropped on rollback).
    const calls = notifications.map(() => "pg_notify(?, ?)").join(", ");
    await get(db, `WITH appended AS (${insert}) SELECT ${calls}`, [
      ...params,
      ...notifications.flatMap(({ channel, payload }) => [channel, payload]),
    ]);
  } else {
    await run(db, insert, params);
  }
  return seqs;
}

/** Up to `limit` events after `afterSeq`, in order. */
export function listContextEvents(
  db: Db,
  contextId: string,
  afterSeq: number,
  limit: number,
): Promise<ContextEventRow[]> {
  return all<ContextEventRow>(
    db,
    `SELECT seq, type, payload, created_at FROM context_event
      WHERE context_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    [contextId, afterSeq, limit],
  );
}
