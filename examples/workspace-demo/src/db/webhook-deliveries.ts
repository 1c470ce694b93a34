// Webhook deliveries as the demo agent's tools read and change them. Every query takes the
// workspaces the caller's context group stands for and filters by them in SQL.
import { type Db, statement } from "@agent-access/db";

/** The workspaces `userId` is a member of, oldest first. */
export function workspaceIdsOfUser(db: Db, userId: string): string[] {
  return statement<[string], { workspace_id: string }>(
    db,
    "SELECT workspace_id FROM workspace_member WHERE user_id = ? ORDER BY created_at, workspace_id",
  )
    .all(userId)
    .map((row) => row.workspace_id);
}

/** Those of `ids` that name a workspace. */
export function existingWorkspaceIds(db: Db, ids: readonly string[]): string[] {
  return statement<[string], { id: string }>(
    db,
    "SELECT id FROM workspace WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
  )
    .all(JSON.stringify(ids))
    .map((row) => row.id);
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
function p95(db: Db, workspaceIds: string, endpointId: string | null, since: number | null) {
  const filter = `FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
    WHERE e.workspace_id IN (SELECT value FROM json_each(:ws))
      AND (:endpoint IS NULL OR e.id = :endpoint)
      AND (:since IS NULL OR d.created_at >= :since)`;
  const params = { ws: workspaceIds, endpoint: endpointId, since };
  const count = statement<[object], { n: number }>(db, `SELECT count(*) AS n ${filter}`).get(
    params,
  )!.n;
  if (count === 0) return null;
  return statement<[object], { duration_ms: number }>(
    db,
    `SELECT d.duration_ms ${filter} ORDER BY d.duration_ms LIMIT 1 OFFSET :offset`,
  ).get({ ...params, offset: Math.ceil(count * 0.95) - 1 })!.duration_ms;
}

/** Delivery counts and latency of the workspaces' endpoints, since `since` (or all time). */
export function deliveryStats(
  db: Db,
  workspaceIds: readonly string[],
  since: number | null,
): DeliveryStats {
  const ws = JSON.stringify(workspaceIds);
  const rows = statement<
    [object],
    Omit<EndpointDeliveryStats, "p95LatencyMs"> & { succeeded: number }
  >(
    db,
    `SELECT e.id, e.workspace_id AS workspaceId, e.url, e.description,
            count(d.id) AS deliveries,
            coalesce(sum(d.status = 'succeeded'), 0) AS succeeded,
            coalesce(sum(d.status = 'failed'), 0) AS failed,
            coalesce(sum(d.status = 'failed' AND d.retry_requested_at IS NULL), 0)
              AS failedAwaitingRetry
       FROM webhook_endpoint e
       LEFT JOIN webhook_delivery d
         ON d.endpoint_id = e.id AND (:since IS NULL OR d.created_at >= :since)
      WHERE e.workspace_id IN (SELECT value FROM json_each(:ws))
      GROUP BY e.id ORDER BY e.url`,
  ).all({ ws, since });
  const endpoints = rows.map((row) => ({
    ...row,
    p95LatencyMs: p95(db, ws, row.id, since),
  }));
  return {
    deliveries: rows.reduce((sum, row) => sum + row.deliveries, 0),
    succeeded: rows.reduce((sum, row) => sum + row.succeeded, 0),
    failed: rows.reduce((sum, row) => sum + row.failed, 0),
    p95LatencyMs: p95(db, ws, null, since),
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
): RetryMarked {
  return db.transaction(() => {
    const marked = statement<[object], { endpoint_id: string }>(
      db,
      `UPDATE webhook_delivery SET retry_requested_at = :now
        WHERE status = 'failed' AND retry_requested_at IS NULL
          AND endpoint_id IN (
            SELECT id FROM webhook_endpoint
             WHERE workspace_id IN (SELECT value FROM json_each(:ws))
               AND (:endpoint IS NULL OR id = :endpoint))
        RETURNING endpoint_id`,
    ).all({
      now: options.now,
      ws: JSON.stringify(workspaceIds),
      endpoint: options.endpointId ?? null,
    });
    const counts = new Map<string, number>();
    for (const row of marked) counts.set(row.endpoint_id, (counts.get(row.endpoint_id) ?? 0) + 1);
    const urls = statement<[string], { id: string; url: string }>(
      db,
      "SELECT id, url FROM webhook_endpoint WHERE id IN (SELECT value FROM json_each(?)) ORDER BY url",
    ).all(JSON.stringify([...counts.keys()]));
    return {
      marked: marked.length,
      endpoints: urls.map((row) => ({ ...row, marked: counts.get(row.id) ?? 0 })),
    };
  })();
}
