// Runs: one agent turn of a context, from the message that triggered it to its end. Callers have
// already checked the context against the scope.
import type { Db } from "./connection.ts";
import { all, get, run } from "./sql.ts";

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
}

const COLUMNS =
  "id, context_id, agent_id, status, trigger_message_id, started_at, ended_at, error, usage, steps";

export interface NewRun {
  id: string;
  contextId: string;
  agentId: string;
  triggerMessageId: string;
  now: number;
}

export async function insertRun(db: Db, newRun: NewRun): Promise<void> {
  await run(
    db,
    `INSERT INTO run (id, context_id, agent_id, status, trigger_message_id, started_at)
     VALUES (?, ?, ?, 'running', ?, ?)`,
    [newRun.id, newRun.contextId, newRun.agentId, newRun.triggerMessageId, newRun.now],
  );
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

/** Moves a run from `from` to `to` only if it is still in `from`; returns whether it was. */
export async function changeRunStatus(
  db: Db,
  id: string,
  from: RunStatus,
  to: RunStatus,
): Promise<boolean> {
  return (
    (await run(db, "UPDATE run SET status = ? WHERE id = ? AND status = ?", [to, id, from])) === 1
  );
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
  await run(db, "UPDATE run SET status = ?, error = ?, usage = ?, ended_at = ? WHERE id = ?", [
    end.status,
    end.error,
    end.usage,
    end.now,
    id,
  ]);
}
