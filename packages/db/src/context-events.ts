// The context event log: every change to a context, numbered 1, 2, 3... without gaps. A batch of
// events takes its numbers from context.last_seq in the caller's transaction, together with the
// message rows it describes, so the log and the messages never disagree. The UPDATE that takes
// the numbers also locks the context's row (on PostgreSQL until the transaction ends), so two
// writers on different instances number their batches one after the other, and a rolled-back
// batch gives its numbers back: the log stays gapless. (context_id, seq) is the primary key.
import { type Db, dialectOf } from "./connection.ts";
import { MESSAGE_COLUMNS, type MessageRow } from "./messages.ts";
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
   * payload `before` + the last seq of the batch + `after`. It rides on the statement that
   * appends the events, so it costs no round trip of its own. Ignored on SQLite.
   */
  notify?: { channel: string; payload: { before: string; after: string } };
  /**
   * PostgreSQL: more notifications sent when the transaction commits, before `notify`'s, on
   * the same statement. Ignored on SQLite.
   */
  notifyAlso?: readonly { channel: string; payload: string }[];
  /**
   * PostgreSQL: given the context's messages (oldest first) as the transaction sees them with
   * the events appended, read by the same statement. Not called on SQLite, where a read costs no
   * round trip.
   */
  withMessages?: (messages: MessageRow[]) => void;
}

/**
 * Appends events (each with a `type`) to the context's log and returns their seqs. Also marks
 * the context active at `now`. Call it inside the transaction that makes the change.
 *
 * PostgreSQL: one statement (one round trip) takes the numbers, inserts the batch and queues
 * the notifications. SQLite: the UPDATE that takes the numbers, then one INSERT for the batch.
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
  const count = events.length;
  const bump =
    "UPDATE context SET last_seq = last_seq + ?, last_activity_at = ? WHERE id = ? RETURNING last_seq";
  let lastSeq: number;
  if (dialectOf(db) === "postgres") {
    const notifications: string[] = [];
    const notifyParams: unknown[] = [];
    for (const { channel, payload } of options.notifyAlso ?? []) {
      checkChannel(channel);
      notifications.push("pg_notify(?, ?)");
      notifyParams.push(channel, payload);
    }
    if (options.notify) {
      const { channel, payload } = options.notify;
      checkChannel(channel);
      notifications.push("pg_notify(?, ? || bumped.last_seq || ?)");
      notifyParams.push(channel, payload.before, payload.after);
    }
    // Data-modifying WITHs run once, whether or not the query reads them, and the
    // notifications are sent at commit in this order (dropped on rollback).
    const appended = appendedAfterBumped(contextId, events, now);
    // Later statements of the transaction see what earlier ones wrote; the events' own INSERT
    // writes no message.
    const messages = options.withMessages
      ? `, (SELECT coalesce(json_agg(m ORDER BY m.seq), CAST('[]' AS json))
            FROM (SELECT ${MESSAGE_COLUMNS} FROM message WHERE context_id = ?) AS m) AS messages`
      : "";
    const row = await get<{ last_seq: number; messages?: MessageRow[] }>(
      db,
      `WITH bumped AS (${bump}), ${appended.sql}
       SELECT bumped.last_seq${notifications.map((call) => `, ${call}`).join("")}${messages}
         FROM bumped`,
      [
        count,
        now,
        contextId,
        ...appended.params,
        ...notifyParams,
        ...(options.withMessages ? [contextId] : []),
      ],
    );
    if (!row) throw new Error(`no context ${contextId}`);
    lastSeq = Number(row.last_seq);
    options.withMessages?.(row.messages!);
  } else {
    const row = await get<{ last_seq: number }>(db, bump, [count, now, contextId]);
    if (!row) throw new Error(`no context ${contextId}`);
    lastSeq = row.last_seq;
    // One INSERT for the batch.
    const values = events.map(() => "(?, ?, ?, ?, ?)").join(", ");
    await run(
      db,
      `INSERT INTO context_event (context_id, seq, type, payload, created_at) VALUES ${values}`,
      events.flatMap((event, index) => [
        contextId,
        lastSeq - count + 1 + index,
        event.type,
        JSON.stringify(event),
        now,
      ]),
    );
  }
  const first = lastSeq - count + 1;
  return events.map((_, index) => first + index);
}

/**
 * PostgreSQL: the data-modifying WITH `appended` that inserts `events` numbered after the WITH
 * `bumped` of the same statement (which returns the context's new last_seq): each event's seq is
 * that last_seq less the batch's size plus its place in the batch, from 1.
 */
export function appendedAfterBumped(
  contextId: string,
  events: readonly { type: string }[],
  now: number,
): { sql: string; params: unknown[] } {
  const values = events.map(() => "(CAST(? AS integer), ?, ?)").join(", ");
  return {
    sql: `appended AS (
         INSERT INTO context_event (context_id, seq, type, payload, created_at)
         SELECT CAST(? AS text), bumped.last_seq - CAST(? AS integer) + e.place, e.type, e.payload,
                CAST(? AS bigint)
           FROM bumped, (VALUES ${values}) AS e(place, type, payload))`,
    params: [
      contextId,
      events.length,
      now,
      ...events.flatMap((event, index) => [index + 1, event.type, JSON.stringify(event)]),
    ],
  };
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
