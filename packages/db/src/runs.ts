// Runs: one agent turn of a context, from the message that triggered it to its end. Callers have
// already checked the context against the scope.
import type { Db } from "./connection.ts";
import { statement } from "./statements.ts";

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

export function insertRun(db: Db, run: NewRun): void {
  statement(
    db,
    `INSERT INTO run (id, context_id, agent_id, status, trigger_message_id, started_at)
     VALUES (?, ?, ?, 'running', ?, ?)`,
  ).run(run.id, run.contextId, run.agentId, run.triggerMessageId, run.now);
}

export function getRun(db: Db, id: string): RunRow | undefined {
  return statement<[string], RunRow>(db, `SELECT ${COLUMNS} FROM run WHERE id = ?`).get(id);
}

/** The context's run that is running or waiting, if any (there is at most one). */
export function unfinishedRunOf(db: Db, contextId: string): RunRow | undefined {
  return statement<[string], RunRow>(
    db,
    `SELECT ${COLUMNS} FROM run
      WHERE context_id = ? AND status IN ('running', 'waiting_for_approval', 'waiting_for_input')
      ORDER BY started_at DESC LIMIT 1`,
  ).get(contextId);
}

/** Every run with `status`, oldest first; start-up recovery uses it. */
export function runsWithStatus(db: Db, status: RunStatus): RunRow[] {
  return statement<[string], RunRow>(
    db,
    `SELECT ${COLUMNS} FROM run WHERE status = ? ORDER BY started_at, id`,
  ).all(status);
}

/** Moves a run from `from` to `to` only if it is still in `from`; returns whether it was. */
export function changeRunStatus(db: Db, id: string, from: RunStatus, to: RunStatus): boolean {
  return (
    statement(db, "UPDATE run SET status = ? WHERE id = ? AND status = ?").run(to, id, from)
      .changes === 1
  );
}

/** Records progress: usage so far and steps taken. */
export function recordRunProgress(db: Db, id: string, usage: string, steps: number): void {
  statement(db, "UPDATE run SET usage = ?, steps = ? WHERE id = ?").run(usage, steps, id);
}

export function finishRun(
  db: Db,
  id: string,
  end: { status: RunStatus; error: string | null; usage: string; now: number },
): void {
  statement(db, "UPDATE run SET status = ?, error = ?, usage = ?, ended_at = ? WHERE id = ?").run(
    end.status,
    end.error,
    end.usage,
    end.now,
    id,
  );
}
