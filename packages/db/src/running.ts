// How many contexts are busy with a running model call: what the per-session and per-group
// concurrent-run limits count (packages/api/src/limits.ts). A run waiting for approval or input
// costs nothing while it waits, so only `running` counts.
import type { Db } from "./connection.ts";
import { all, get } from "./sql.ts";

/** Contexts of `contextGroup` whose run is running now. */
export async function countRunningInGroup(db: Db, contextGroup: string): Promise<number> {
  const row = await get<{ n: number }>(
    db,
    `SELECT count(*) AS n FROM context
      WHERE status = 'running' AND context_group = ? AND deleted_at IS NULL`,
    [contextGroup],
  );
  return row!.n;
}

/** Which of `contextIds` have a running run now. */
export async function runningAmong(db: Db, contextIds: readonly string[]): Promise<string[]> {
  if (contextIds.length === 0) return [];
  const rows = await all<{ id: string }>(
    db,
    `SELECT id FROM context
      WHERE status = 'running' AND id IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(contextIds)],
  );
  return rows.map((row) => row.id);
}

/** What `runningOf` finds: the group's running contexts, and which of the ids given run. */
export interface Running {
  /** How many contexts of the group are running (as countRunningInGroup counts them). */
  inGroup: number;
  /** Which of the ids given are running (as runningAmong finds them). */
  among: string[];
}

/**
 * `countRunningInGroup` and `runningAmong` in one statement, for the run limits of one call
 * (a session's contexts and its group's): the same rows, read in one look.
 */
export async function runningOf(
  db: Db,
  contextGroup: string,
  contextIds: readonly string[],
): Promise<Running> {
  const rows = await all<{ id: string; in_group: boolean | number }>(
    db,
    `SELECT id, (context_group = :group AND deleted_at IS NULL) AS in_group FROM context
      WHERE status = 'running'
        AND ((context_group = :group AND deleted_at IS NULL)
             OR id IN (SELECT value FROM json_each(:ids)))`,
    { group: contextGroup, ids: JSON.stringify(contextIds) },
  );
  const among = new Set(contextIds);
  return {
    inGroup: rows.filter((row) => Boolean(row.in_group)).length,
    among: rows.filter((row) => among.has(row.id)).map((row) => row.id),
  };
}
