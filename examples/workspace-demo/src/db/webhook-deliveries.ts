// Webhook deliveries as the demo agent's tools read and change them. Every query takes the
// workspaces the caller's context group stands for and filters by them in SQL.
import { all, type Db, get, transaction } from "@agent-access/db";

/** The workspaces `userId` is a member of, oldest first. */
export async function workspaceIdsOfUser(db: Db, userId: string): Promise<string[]> {
  const rows = await all<{ workspace_id: string }>(
    db,
    "SELECT workspace_id FROM workspace_member WHERE user_id = ? ORDER BY created_at, workspace_id",
    [userId],
  );
  return rows.map((row) => row.workspace_id);
}

/** Those of `ids` that name a workspace. */
export async function existingWorkspaceIds(db: Db, ids: readonly string[]): Promise<string[]> {
  const rows = await all<{ id: string }>(
    db,
    "SELECT id FROM workspace WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
    [JSON.stringify(ids)],
  );
  return rows.map((row) => row.id);
}

export interface EndpointDeliveryStats {
  id: string;
  workspaceId: string;
  url: string;
  description: string;
  deliveries: number;
  succeeded: number;
  failed: number;
  /** Failed deliveries not yet marked for retry. */
  failedAwaitingRetry: number;
  p95LatencyMs: number | null;
}

export interface DeliveryStats {
  deliveries: number;
  succeeded: number;
  failed: number;
  p95LatencyMs: number | null;
  endpoints: EndpointDeliveryStats[];
}

/** Nearest-rank 95th percentile of delivery durations, computed by SQLite's sort. */
async function p95(
  db: Db,
  workspaceIds: string,
  endpointId: string | null,
  since: number | null,
): Promise<number | null> {
  const filter = `FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
    WHERE e.workspace_id IN (SELECT value FROM json_each(:ws))
      AND (CAST(:endpoint AS text) IS NULL OR e.id = :endpoint)
      AND (CAST(:since AS bigint) IS NULL OR d.created_at >= :since)`;
  const params = { ws: workspaceIds, endpoint: endpointId, since };
  const count = (await get<{ n: number }>(db, `SELECT count(*) AS n ${filter}`, params))!.n;
  if (count === 0) return null;
  const row = await get<{ duration_ms: number }>(
    db,
    `SELECT d.duration_ms ${filter} ORDER BY d.duration_ms LIMIT 1 OFFSET :offset`,
    { ...params, offset: Math.ceil(count * 0.95) - 1 },
  );
  return row!.duration_ms;
}

/** Delivery counts and latency of the workspaces' endpoints, since `since` (or all time). */
export async function deliveryStats(
  db: Db,
  workspaceIds: readonly string[],
  since: number | null,
): Promise<DeliveryStats> {
  const ws = JSON.stringify(workspaceIds);
  const rows = await all<Omit<EndpointDeliveryStats, "p95LatencyMs"> & { succeeded: number }>(
    db,
    `SELECT e.id, e.workspace_id AS "workspaceId", e.url, e.description,
            count(d.id) AS deliveries,
            coalesce(sum(CASE WHEN d.status = 'succeeded' THEN 1 ELSE 0 END), 0) AS succeeded,
            coalesce(sum(CASE WHEN d.status = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
            coalesce(sum(CASE WHEN d.status = 'failed' AND d.retry_requested_at IS NULL
              THEN 1 ELSE 0 END), 0) AS "failedAwaitingRetry"
       FROM webhook_endpoint e
       LEFT JOIN webhook_delivery d
         ON d.endpoint_id = e.id AND (CAST(:since AS bigint) IS NULL OR d.created_at >= :since)
      WHERE e.workspace_id IN (SELECT value FROM json_each(:ws))
      GROUP BY e.id ORDER BY e.url`,
    { ws, since },
  );
  const endpoints: EndpointDeliveryStats[] = [];
  for (const row of rows) {
    endpoints.push({ ...row, p95LatencyMs: await p95(db, ws, row.id, since) });
  }
  return {
    deliveries: rows.reduce((sum, row) => sum + row.deliveries, 0),
    succeeded: rows.reduce((sum, row) => sum + row.succeeded, 0),
    failed: rows.reduce((sum, row) => sum + row.failed, 0),
    p95LatencyMs: await p95(db, ws, null, since),
    endpoints,
  };
}

export interface RetryMarked {
  marked: number;
  endpoints: { id: string; url: string; marked: number }[];
}

/**
 * Marks the failed deliveries of the workspaces (of one endpoint of theirs, if given) that are
 * not yet marked, by setting retry_requested_at: the delivery worker picks them up from there.
 */
export function markFailedDeliveriesForRetry(
  db: Db,
  workspaceIds: readonly string[],
  options: { endpointId?: string; now: number },
): Promise<RetryMarked> {
  return transaction(db, async (tx) => {
    const marked = await all<{ endpoint_id: string }>(
      tx,
      `UPDATE webhook_delivery SET retry_requested_at = :now
        WHERE status = 'failed' AND retry_requested_at IS NULL
          AND endpoint_id IN (
            SELECT id FROM webhook_endpoint
             WHERE workspace_id IN (SELECT value FROM json_each(:ws))
               AND (CAST(:endpoint AS text) IS NULL OR id = :endpoint))
        RETURNING endpoint_id`,
      {
        now: options.now,
        ws: JSON.stringify(workspaceIds),
        endpoint: options.endpointId ?? null,
      },
    );
    const counts = new Map<string, number>();
    for (const row of marked) counts.set(row.endpoint_id, (counts.get(row.endpoint_id) ?? 0) + 1);
    const urls = await all<{ id: string; url: string }>(
      tx,
      "SELECT id, url FROM webhook_endpoint WHERE id IN (SELECT value FROM json_each(?)) ORDER BY url",
      [JSON.stringify([...counts.keys()])],
    );
    return {
      marked: marked.length,
      endpoints: urls.map((row) => ({ ...row, marked: counts.get(row.id) ?? 0 })),
    };
  });
}
