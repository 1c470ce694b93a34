// Runs: one agent turn of a context, from the message that triggered it to its end. Callers have
// already checked the context against the scope.
import { type Db, dialectOf } from "./connection.ts";
import { appendContextEvents, appendedAfterBumped } from "./context-events.ts";
import { insertMessage, type NewMessage, setMessageParts } from "./messages.ts";
import { checkChannel } from "./notify.ts";
import { all, get, isTransaction, run, transaction } from "./sql.ts";

export type RunStatus =
  | "running"
  | "waiting_for_approval"
  | "waiting_for_input"
  | "completed"
  | "failed"
  | "cancelled"
  | "interrupted";

export interface RunRow {
  id: string;
  context_id: string;
  agent_id: string;
  status: RunStatus;
  trigger_message_id: string | null;
  started_at: number;
  ended_at: number | null;
  error: string | null;
  /** JSON of the token usage so far. */
  usage: string | null;
  steps: number;
  /** The instance (engine instance id) that drives or last held the run; NULL before 0014. */
  owner: string | null;
  /** While running: until when the owner holds the run (epoch ms, the database's clock). */
  lease_until: number | null;
  /** When another instance asked the owner to stop the run. */
  cancel_requested_at: number | null;
}

const COLUMNS = `id, context_id, agent_id, status, trigger_message_id, started_at, ended_at, error,
  usage, steps, owner, lease_until, cancel_requested_at`;

/**
 * The database's clock in epoch ms, as SQL: leases are set and compared on one clock, whatever
 * the clocks of the instances that share the database say.
 */
function nowMs(db: Db): string {
  return dialectOf(db) === "postgres"
    ? "CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)"
    : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

/** The instance that drives a run, and for how long a lease lasts from each renewal. */
export interface RunLease {
  owner: string;
  leaseMs: number;
}

export interface NewRun {
  id: string;
  contextId: string;
  agentId: string;
  triggerMessageId: string;
  now: number;
  /** The instance that will drive the run: it holds the lease from the start. */
  lease: RunLease;
}

/** The INSERT of a new run, running, leased to the instance that will drive it; its values. */
function runInsert(db: Db, newRun: NewRun): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO run (id, context_id, agent_id, status, trigger_message_id, started_at, owner,
                      lease_until)
     VALUES (?, ?, ?, 'running', ?, ?, ?, ${nowMs(db)} + ?)`,
    params: [
      newRun.id,
      newRun.contextId,
      newRun.agentId,
      newRun.triggerMessageId,
      newRun.now,
      newRun.lease.owner,
      newRun.lease.leaseMs,
    ],
  };
}

/** A new run, running, leased to the instance that will drive it. */
export async function insertRun(db: Db, newRun: NewRun): Promise<void> {
  const insert = runInsert(db, newRun);
  await run(db, insert.sql, insert.params);
}

/** What a turn's commit inserts: the user's message (when the turn adds one), the run, its reply. */
export interface NewTurnRows {
  /** The user's message, which the run answers; none when the run answers one already there. */
  asked?: NewMessage;
  run: NewRun;
  /** The run's (empty) assistant message, after `asked`. */
  reply: NewMessage;
}

/**
 * Inserts a turn's rows, in order: the user's message if any, the run, and its reply, each
 * message after the context's last. Returns the messages' seqs. Call it in the transaction that
 * holds the context's lock (as every insert of a message). PostgreSQL: one statement, where the
 * same rows one by one are three round trips; the foreign keys between them are checked at the
 * statement's end. SQLite: `insertMessage`, `insertRun`, `insertMessage`.
 */
export async function insertTurnRows(
  db: Db,
  rows: NewTurnRows,
): Promise<{ askedSeq: number | null; replySeq: number }> {
  const { asked, run: newRun, reply } = rows;
  if (dialectOf(db) !== "postgres") {
    const askedSeq = asked ? await insertMessage(db, asked) : null;
    await insertRun(db, newRun);
    return { askedSeq, replySeq: await insertMessage(db, reply) };
  }
  const nextSeq = "(SELECT coalesce(max(seq), 0) + 1 FROM message WHERE context_id = ?)";
  const message = (m: NewMessage) => [m.id, m.contextId, m.role, m.parts, m.runId, m.now];
  const started = runInsert(db, newRun);
  const row = await get<{ asked_seq: number | null; reply_seq: number }>(
    db,
    `WITH ${
      asked
        ? `asked AS (
         INSERT INTO message (id, context_id, seq, role, parts, run_id, created_at)
         SELECT ?, CAST(? AS text), ${nextSeq}, ?, ?, ?, CAST(? AS bigint)
         RETURNING seq),`
        : ""
    }
     started AS (${started.sql}),
     replied AS (
       INSERT INTO message (id, context_id, seq, role, parts, run_id, created_at)
       SELECT ?, CAST(? AS text), ${asked ? "asked.seq + 1" : nextSeq}, ?, ?, ?, CAST(? AS bigint)
       ${asked ? "FROM asked" : ""}
       RETURNING seq)
     SELECT ${asked ? "asked.seq" : "NULL"} AS asked_seq, replied.seq AS reply_seq
       FROM ${asked ? "asked, " : ""}replied`,
    [
      ...(asked ? [asked.id, asked.contextId, asked.contextId, ...message(asked).slice(2)] : []),
      ...started.params,
      reply.id,
      reply.contextId,
      ...(asked ? [] : [reply.contextId]),
      ...message(reply).slice(2),
    ],
  );
  return {
    askedSeq: row!.asked_seq === null ? null : Number(row!.asked_seq),
    replySeq: Number(row!.reply_seq),
  };
}

export function getRun(db: Db, id: string): Promise<RunRow | undefined> {
  return get<RunRow>(db, `SELECT ${COLUMNS} FROM run WHERE id = ?`, [id]);
}

/** The context's run that is running or waiting, if any (there is at most one). */
export function unfinishedRunOf(db: Db, contextId: string): Promise<RunRow | undefined> {
  return get<RunRow>(
    db,
    `SELECT ${COLUMNS} FROM run
      WHERE context_id = ? AND status IN ('running', 'waiting_for_approval', 'waiting_for_input')
      ORDER BY started_at DESC LIMIT 1`,
    [contextId],
  );
}

/** Every run with `status`, oldest first; start-up recovery uses it. */
export function runsWithStatus(db: Db, status: RunStatus): Promise<RunRow[]> {
  return all<RunRow>(db, `SELECT ${COLUMNS} FROM run WHERE status = ? ORDER BY started_at, id`, [
    status,
  ]);
}

/**
 * Moves a run from `from` to `to` only if it is still in `from`; returns whether it was. A run
 * moved to `running` is leased to `lease`'s instance; moved to anything else, it holds no lease.
 */
export async function changeRunStatus(
  db: Db,
  id: string,
  from: RunStatus,
  to: RunStatus,
  lease?: RunLease,
): Promise<boolean> {
  if (to === "running") {
    if (!lease) throw new Error("a running run needs a lease");
    return (
      (await run(
        db,
        `UPDATE run SET status = ?, owner = ?, lease_until = ${nowMs(db)} + ?, cancel_requested_at = NULL
          WHERE id = ? AND status = ?`,
        [to, lease.owner, lease.leaseMs, id, from],
      )) === 1
    );
  }
  return (
    (await run(db, "UPDATE run SET status = ?, lease_until = NULL WHERE id = ? AND status = ?", [
      to,
      id,
      from,
    ])) === 1
  );
}

/**
 * Who may change a run, checked (and taken) by `claimRun` in the transaction of the change:
 * - `owner`: the run is running and leased to this instance; the lease is renewed.
 * - `expired`: the run is running but its lease has lapsed (its instance died or stalled).
 * - `running`: the run is running, whoever holds it (SQLite's start-up: one process).
 * - `waiting`: the run waits for an approval or an answer (no instance holds it).
 */
export type RunClaim = "owner" | "expired" | "running" | "waiting";

const LAPSED = (db: Db) => `(lease_until IS NULL OR lease_until < ${nowMs(db)})`;

/**
 * Takes the run for a change if `claim` holds, as one conditional update: of two instances
 * claiming the same run, one gets it. The claimant becomes the owner (with no lease unless
 * `owner`). Returns whether the claim held.
 *
 * With `lockContextId` (a commit's first statement, in its transaction): on PostgreSQL the same
 * statement first locks that context's row as `lockContext` does, so the lock and the claim
 * cost one round trip. The lock is an uncorrelated condition, which PostgreSQL evaluates once,
 * before it reads the run's row; the claim is then checked under the lock. On SQLite the write
 * transaction is the lock, as for `lockContext`.
 */
export async function claimRun(
  db: Db,
  id: string,
  claim: RunClaim,
  lease: RunLease,
  lockContextId?: string,
): Promise<boolean> {
  const { owner, leaseMs } = lease;
  let set: string;
  let where: string;
  let params: unknown[];
  switch (claim) {
    case "owner":
      set = `lease_until = ${nowMs(db)} + ?`;
      where = "owner = ? AND status = 'running'";
      params = [leaseMs, id, owner];
      break;
    case "expired":
      set = "owner = ?, lease_until = NULL";
      where = `status = 'running' AND ${LAPSED(db)}`;
      params = [owner, id];
      break;
    case "running":
      set = "owner = ?, lease_until = NULL";
      where = "status = 'running'";
      params = [owner, id];
      break;
    case "waiting":
      set = "owner = ?";
      where = "status IN ('waiting_for_approval', 'waiting_for_input')";
      params = [owner, id];
      break;
  }
  const update = `UPDATE run SET ${set} WHERE id = ? AND ${where}`;
  if (lockContextId !== undefined && dialectOf(db) === "postgres") {
    return (
      (await run(
        db,
        `WITH locked AS (SELECT id FROM context WHERE id = ? FOR UPDATE)
         ${update} AND EXISTS (SELECT 1 FROM locked)`,
        [lockContextId, ...params],
      )) === 1
    );
  }
  return (await run(db, update, params)) === 1;
}

/**
 * The heartbeat: renews the leases of `ids` that are still running and leased to `owner`.
 * Returns those renewed, with whether another instance asked to stop each; a run of `ids` not
 * among them is no longer this instance's.
 */
export async function renewLeases(
  db: Db,
  lease: RunLease,
  ids: readonly string[],
): Promise<{ id: string; cancel_requested_at: number | null }[]> {
  if (ids.length === 0) return [];
  // PostgreSQL: the rows are locked in their contexts' order, as `commitRunTexts` locks them.
  const lock = dialectOf(db) === "postgres" ? "ORDER BY context_id FOR UPDATE" : "";
  return all(
    db,
    `WITH held AS MATERIALIZED (
       SELECT id FROM run
        WHERE owner = ? AND status = 'running' AND id IN (SELECT value FROM json_each(?)) ${lock})
     UPDATE run SET lease_until = ${nowMs(db)} + ? WHERE id IN (SELECT id FROM held)
     RETURNING id, cancel_requested_at`,
    [lease.owner, JSON.stringify(ids), lease.leaseMs],
  );
}

/** Running runs whose lease has lapsed (or that never had one), oldest first. */
export function runsWithLapsedLease(db: Db): Promise<RunRow[]> {
  return all<RunRow>(
    db,
    `SELECT ${COLUMNS} FROM run WHERE status = 'running' AND ${LAPSED(db)}
      ORDER BY started_at, id`,
  );
}

/** Records that the running run `id` is to be stopped; false when it is not running. */
export async function requestRunCancel(db: Db, id: string, now: number): Promise<boolean> {
  return (
    (await run(db, "UPDATE run SET cancel_requested_at = ? WHERE id = ? AND status = 'running'", [
      now,
      id,
    ])) === 1
  );
}

/**
 * Gives up the leases `owner` still holds (shutdown): those runs count as lapsed at once, for
 * any instance's sweep to end.
 */
export async function releaseLeases(db: Db, owner: string): Promise<void> {
  await run(db, "UPDATE run SET lease_until = NULL WHERE owner = ? AND status = 'running'", [
    owner,
  ]);
}

/** Records progress: usage so far and steps taken. */
export async function recordRunProgress(
  db: Db,
  id: string,
  usage: string,
  steps: number,
): Promise<void> {
  await run(db, "UPDATE run SET usage = ?, steps = ? WHERE id = ?", [usage, steps, id]);
}

export async function finishRun(
  db: Db,
  id: string,
  end: { status: RunStatus; error: string | null; usage: string; now: number },
): Promise<void> {
  await run(
    db,
    `UPDATE run SET status = ?, error = ?, usage = ?, ended_at = ?, lease_until = NULL
      WHERE id = ?`,
    [end.status, end.error, end.usage, end.now, id],
  );
}

/** Text added to a run's reply: one of a `commitRunTexts` batch. */
export interface RunText {
  contextId: string;
  runId: string;
  /** The reply's message and its parts (JSON) with the text added. */
  messageId: string;
  parts: string;
  /** The events that say so (each with a `type`), numbered from the context's last_seq. */
  events: readonly { type: string }[];
  /** At a model step's end: the run's usage so far (JSON) and steps, as `recordRunProgress`. */
  progress?: { usage: string; steps: number };
  /**
   * PostgreSQL: the payload of the notification sent at commit on the batch's channel,
   * `before` + the last seq + `after` (as `appendContextEvents`'s `notify`).
   */
  notify: { before: string; after: string };
}

/** Texts added to several runs' replies, committed together (`commitRunTexts`). */
export interface RunTexts {
  /** This instance, which must hold each run's lease; the leases are renewed. */
  lease: RunLease;
  now: number;
  /** PostgreSQL: the channel of each text's notification. */
  channel: string;
  /** At most one per context. */
  texts: readonly RunText[];
}

/**
 * Commits texts added to several runs' replies at once, each as a commit of its own would:
 * under its context's lock, it claims the run as `claimRun`'s `owner` (renewing the lease, and
 * recording the step's `progress` if given), and only if the claim holds writes the message's
 * parts and appends the events (as `appendContextEvents`). Returns each text's seqs, in the
 * batch's order, or null for a text whose claim did not hold: nothing of it was written. A text
 * whose claim fails does not stop the others; an error fails the whole batch, which writes
 * nothing.
 *
 * PostgreSQL: one statement, which PostgreSQL runs as its own transaction, whatever the batch's
 * size (the same commit through `transaction()` takes five round trips per text). Its values
 * travel as arrays, so its text is the same for every batch. Each context's row is locked with
 * its run's, in the contexts' order, before any run is written; rows another transaction holds
 * are skipped, and those texts committed alone after the batch. Each text's notification is
 * queued. A batch of one text is the plain statement (`commitRunText`). SQLite: one
 * transaction of those statements.
 */
export async function commitRunTexts(db: Db, batch: RunTexts): Promise<(number[] | null)[]> {
  const { texts, lease, now } = batch;
  if (isTransaction(db)) throw new Error("commitRunTexts is a transaction of its own");
  if (texts.length === 0) return [];
  if (new Set(texts.map((text) => text.contextId)).size !== texts.length) {
    throw new Error("commitRunTexts takes one text per context");
  }
  if (texts.some((text) => text.events.length === 0)) throw new Error("a run's text needs events");
  if (dialectOf(db) !== "postgres") {
    return transaction(db, async (tx) => {
      const seqs: (number[] | null)[] = [];
      for (const text of texts) {
        if (!(await claimRun(tx, text.runId, "owner", lease, text.contextId))) {
          seqs.push(null);
          continue;
        }
        await setMessageParts(tx, text.messageId, text.parts);
        const { progress } = text;
        if (progress) await recordRunProgress(tx, text.runId, progress.usage, progress.steps);
        seqs.push(await appendContextEvents(tx, text.contextId, text.events, now));
      }
      return seqs;
    });
  }
  checkChannel(batch.channel);
  if (texts.length === 1) return [await commitRunText(db, batch, texts[0]!)];
  const column = <T>(value: (text: RunText) => T): T[] => texts.map(value);
  const events = texts.flatMap((text, index) =>
    text.events.map((event, place) => ({ index: index + 1, place: place + 1, event })),
  );
  // `batch` numbers the texts from 1 (ordinality). The claim, message, context and events are
  // data-modifying WITHs, each run once, to the end; each joins the texts whose claim held
  // (claimed), so a failed claim writes nothing. The locks come first, each context's row with
  // its run's, in the contexts' order, as `renewLeases` takes the runs' (two statements that
  // lock rows in different orders can deadlock, and PostgreSQL then waits a second before it
  // fails one): `ready` reads `locked` through an uncorrelated subquery, evaluated whole before
  // its first row. Rows another transaction holds are skipped, not waited for: a batch holding
  // hundreds of contexts while it waits for one would hold up every request on them. Those
  // texts are committed alone after it, each waiting for its rows. The claim names the runs'
  // ids, which makes it an index lookup whatever the planner knows of the tables.
  const rows = await all<{ place: number; last_seq: number | null; locked: boolean }>(
    db,
    `WITH batch AS MATERIALIZED (
       SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]),
                            CAST(? AS text[]), CAST(? AS integer[]), CAST(? AS text[]),
                            CAST(? AS integer[]), CAST(? AS text[]), CAST(? AS text[]))
         WITH ORDINALITY AS b(context_id, run_id, message_id, parts, count, usage, steps,
                              before, after, place)),
     locked AS MATERIALIZED (
       SELECT context.id FROM batch JOIN context ON context.id = batch.context_id
              JOIN run ON run.id = batch.run_id
        ORDER BY context.id FOR UPDATE OF context, run SKIP LOCKED),
     ready AS MATERIALIZED (
       SELECT * FROM batch WHERE context_id = ANY (ARRAY(SELECT id FROM locked))),
     claimed AS (
       UPDATE run SET lease_until = ${nowMs(db)} + ?,
              usage = coalesce(ready.usage, run.usage), steps = coalesce(ready.steps, run.steps)
         FROM ready
        WHERE run.id = ready.run_id AND run.id = ANY (CAST(? AS text[]))
          AND run.owner = ? AND run.status = 'running'
       RETURNING ready.place),
     written AS (
       UPDATE message SET parts = batch.parts FROM batch JOIN claimed USING (place)
        WHERE message.id = batch.message_id
       RETURNING message.id),
     bumped AS (
       UPDATE context SET last_seq = last_seq + batch.count, last_activity_at = ?
         FROM batch JOIN claimed USING (place)
        WHERE context.id = batch.context_id
       RETURNING batch.place, context.last_seq),
     appended AS (
       INSERT INTO context_event (context_id, seq, type, payload, created_at)
       SELECT batch.context_id, bumped.last_seq - batch.count + e.place, e.type, e.payload,
              CAST(? AS bigint)
         FROM unnest(CAST(? AS integer[]), CAST(? AS integer[]), CAST(? AS text[]),
                     CAST(? AS text[])) AS e(text_place, place, type, payload)
         JOIN batch ON batch.place = e.text_place
         JOIN bumped ON bumped.place = e.text_place)
     SELECT batch.place, bumped.last_seq, locked.id IS NOT NULL AS locked,
            CASE WHEN bumped.place IS NOT NULL
                 THEN pg_notify(?, batch.before || bumped.last_seq || batch.after) END
       FROM batch LEFT JOIN bumped USING (place) LEFT JOIN locked ON locked.id = batch.context_id`,
    [
      column((text) => text.contextId),
      column((text) => text.runId),
      column((text) => text.messageId),
      column((text) => text.parts),
      column((text) => text.events.length),
      column((text) => text.progress?.usage ?? null),
      column((text) => text.progress?.steps ?? null),
      column((text) => text.notify.before),
      column((text) => text.notify.after),
      lease.leaseMs,
      column((text) => text.runId),
      lease.owner,
      now,
      now,
      events.map((e) => e.index),
      events.map((e) => e.place),
      events.map((e) => e.event.type),
      events.map((e) => JSON.stringify(e.event)),
      batch.channel,
    ],
  );
  const byPlace = new Map(rows.map((row) => [Number(row.place), row]));
  return Promise.all(
    texts.map((text, index) => {
      const row = byPlace.get(index + 1)!;
      // Its rows were locked by another transaction: alone, waiting for them.
      if (!row.locked) return commitRunText(db, batch, text);
      if (row.last_seq === null) return null;
      const first = Number(row.last_seq) - text.events.length + 1;
      return text.events.map((_, place) => first + place);
    }),
  );
}

/**
 * PostgreSQL: `commitRunTexts` for one text, as a statement of its own. It does the same, but
 * its values are parameters of their own, not arrays: a commit alone (each reply's first word,
 * and every one while few replies stream) takes 1.4 ms where the batch's statement takes 1.8.
 */
async function commitRunText(db: Db, batch: RunTexts, text: RunText): Promise<number[] | null> {
  const { events, progress } = text;
  const count = events.length;
  const appended = appendedAfterBumped(text.contextId, events, batch.now);
  // As the batch's statement, with the claim read (EXISTS) before each write.
  const row = await get<{ last_seq: number }>(
    db,
    `WITH locked AS (SELECT id FROM context WHERE id = ? FOR UPDATE),
     claimed AS (
       UPDATE run SET lease_until = ${nowMs(db)} + ?${progress ? ", usage = ?, steps = ?" : ""}
        WHERE id = ? AND owner = ? AND status = 'running' AND EXISTS (SELECT 1 FROM locked)
       RETURNING id),
     written AS (
       UPDATE message SET parts = ? WHERE id = ? AND EXISTS (SELECT 1 FROM claimed)
       RETURNING id),
     bumped AS (
       UPDATE context SET last_seq = last_seq + ?, last_activity_at = ?
        WHERE id = ? AND EXISTS (SELECT 1 FROM claimed)
       RETURNING last_seq),
     ${appended.sql}
     SELECT bumped.last_seq, pg_notify(?, ? || bumped.last_seq || ?) FROM bumped`,
    [
      text.contextId,
      batch.lease.leaseMs,
      ...(progress ? [progress.usage, progress.steps] : []),
      text.runId,
      batch.lease.owner,
      text.parts,
      text.messageId,
      count,
      batch.now,
      text.contextId,
      ...appended.params,
      batch.channel,
      text.notify.before,
      text.notify.after,
    ],
  );
  if (!row) return null;
  const first = Number(row.last_seq) - count + 1;
  return events.map((_, index) => first + index);
}
