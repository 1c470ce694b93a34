// Runs: one agent turn of a context, from the message that triggered it to its end. Callers have
// already checked the context against the scope.
import { type Db, dialectOf } from "./connection.ts";
import { appendedAfterBumped } from "./context-events.ts";
import { insertMessage, type NewMessage } from "./messages.ts";
import { checkChannel } from "./notify.ts";
import { all, get, isTransaction, run } from "./sql.ts";

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
  return all(
    db,
    `UPDATE run SET lease_until = ${nowMs(db)} + ?
      WHERE owner = ? AND status = 'running' AND id IN (SELECT value FROM json_each(?))
      RETURNING id, cancel_requested_at`,
    [lease.leaseMs, lease.owner, JSON.stringify(ids)],
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

/** A commit that only adds text to a run's reply (see `commitRunText`). */
export interface RunTextCommit {
  contextId: string;
  runId: string;
  /** This instance, which must hold the run's lease; the lease is renewed. */
  lease: RunLease;
  /** The reply's message and its parts (JSON) with the text added. */
  messageId: string;
  parts: string;
  /** The events that say so (each with a `type`), numbered from the context's last_seq. */
  events: readonly { type: string }[];
  /** At a model step's end: the run's usage so far (JSON) and steps, as `recordRunProgress`. */
  progress?: { usage: string; steps: number };
  now: number;
  /** Sent at commit, as `appendContextEvents`'s `notify`: `before` + the last seq + `after`. */
  notify: { channel: string; payload: { before: string; after: string } };
}

/**
 * PostgreSQL: the commit of a reply's text as one statement, which PostgreSQL runs as its own
 * transaction: one round trip where the same commit through `transaction()` takes five (BEGIN,
 * the claim under the context's lock, the message, the events and their notification, COMMIT).
 * The streaming of every reply is made of these commits. It does what those statements do, in
 * their order: locks the context's row, claims the run as `claimRun`'s `owner` (renewing the
 * lease, and recording the step's `progress` if given), and only if the claim holds, writes
 * the message's parts, numbers and appends the events (as `appendContextEvents`) and queues the
 * notification. Returns the events' seqs, or null when the claim did not hold, with nothing
 * written.
 */
export async function commitRunText(db: Db, commit: RunTextCommit): Promise<number[] | null> {
  if (dialectOf(db) !== "postgres") throw new Error("commitRunText is PostgreSQL's");
  if (isTransaction(db)) throw new Error("commitRunText is a transaction of its own");
  const { events, notify, progress } = commit;
  if (events.length === 0) throw new Error("commitRunText needs events");
  checkChannel(notify.channel);
  const count = events.length;
  const appended = appendedAfterBumped(commit.contextId, events, commit.now);
  // Data-modifying WITHs each run once, to the end, whether or not anything reads them; the
  // claim is read (EXISTS) before each write, so a claim that fails writes nothing, and with no
  // bumped row the final SELECT returns none and no notification is sent.
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
      commit.contextId,
      commit.lease.leaseMs,
      ...(progress ? [progress.usage, progress.steps] : []),
      commit.runId,
      commit.lease.owner,
      commit.parts,
      commit.messageId,
      count,
      commit.now,
      commit.contextId,
      ...appended.params,
      notify.channel,
      notify.payload.before,
      notify.payload.after,
    ],
  );
  if (!row) return null;
  const first = Number(row.last_seq) - count + 1;
  return events.map((_, index) => first + index);
}
