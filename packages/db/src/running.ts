// How many contexts are busy with a running model call: what the per-session and per-group
// concurrent-run limits count (packages/api/src/limits.ts). A run waiting for approval or input
// costs nothing while it waits, so only `running` counts.
import type { Db } from "./connection.ts";
import { statement } from "./statements.ts";

/** Contexts of `contextGroup` whose run is running now. */
export function countRunningInGroup(db: Db, contextGroup: string): number {
  return statement<[string], { n: number }>(
    db,
    `SELECT count(*) AS n FROM context
      WHERE status = 'running' AND context_group = ? AND deleted_at IS NULL`,
  ).get(contextGroup)!.n;
}

/** Which of `contextIds` have a running run now. */
export function runningAmong(db: Db, contextIds: readonly string[]): string[] {
  if (contextIds.length === 0) return [];
  return statement<[string], { id: string }>(
    db,
    `SELECT id FROM context
      WHERE status = 'running' AND id IN (SELECT value FROM json_each(?))`,
  )
    .all(JSON.stringify(contextIds))
    .map((row) => row.id);
}
