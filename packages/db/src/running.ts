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
