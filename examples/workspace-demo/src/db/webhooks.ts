// Webhook delivery health per endpoint, from each endpoint's most recent deliveries. Reached only
// through getWorkspaceDetails (workspaces.ts), which checks membership first.
import { type Db, statement } from "@agent-access/db";

/** How many of an endpoint's newest deliveries its health is computed from. */
export const HEALTH_WINDOW = 100;

/**
 * healthy: at least 95% of finished deliveries succeeded; degraded: at least 80%; failing: less;
 * no_deliveries: nothing finished yet. Pending deliveries count in neither direction.
 */
export type EndpointStatus = "healthy" | "degraded" | "failing" | "no_deliveries";

export interface EndpointHealth {
  id: string;
  url: string;
  description: string;
  createdAt: number;
  /** Deliveries considered: the newest HEALTH_WINDOW. */
  deliveries: number;
  succeeded: number;
  failed: number;
  pending: number;
  /** succeeded / (succeeded + failed), 0 to 1; null with no finished delivery. */
  successRate: number | null;
  /** 95th percentile of delivery duration (nearest rank), ms; null with no delivery. */
  p95DurationMs: number | null;
  lastDeliveryAt: number | null;
  status: EndpointStatus;
}

interface DeliveryRow {
  endpointId: string;
  status: "succeeded" | "failed" | "pending";
  durationMs: number;
  createdAt: number;
}

function percentile95(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

function statusOf(successRate: number | null): EndpointStatus {
  if (successRate === null) return "no_deliveries";
  if (successRate >= 0.95) return "healthy";
  if (successRate >= 0.8) return "degraded";
  return "failing";
}

/** The health of every endpoint of `workspaceId`. Callers must have checked membership. */
export function endpointHealth(db: Db, workspaceId: string): EndpointHealth[] {
  const endpoints = statement<
    [string],
    { id: string; url: string; description: string; createdAt: number }
  >(
    db,
    `SELECT id, url, description, created_at AS createdAt
       FROM webhook_endpoint WHERE workspace_id = ? ORDER BY created_at, id`,
  ).all(workspaceId);
  const deliveries = statement<[string, number], DeliveryRow>(
    db,
    `SELECT endpointId, status, durationMs, createdAt FROM (
       SELECT d.endpoint_id AS endpointId, d.status, d.duration_ms AS durationMs,
              d.created_at AS createdAt,
              row_number() OVER (PARTITION BY d.endpoint_id ORDER BY d.created_at DESC, d.id DESC)
                AS recency
         FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
        WHERE e.workspace_id = ?)
     WHERE recency <= ?`,
  ).all(workspaceId, HEALTH_WINDOW);

  const byEndpoint = new Map<string, DeliveryRow[]>();
  for (const delivery of deliveries) {
    const list = byEndpoint.get(delivery.endpointId) ?? [];
    list.push(delivery);
    byEndpoint.set(delivery.endpointId, list);
  }
  return endpoints.map((endpoint) => {
    const recent = byEndpoint.get(endpoint.id) ?? [];
    const count = (status: DeliveryRow["status"]) =>
      recent.filter((d) => d.status === status).length;
    const succeeded = count("succeeded");
    const failed = count("failed");
    const finished = succeeded + failed;
    const successRate = finished === 0 ? null : succeeded / finished;
    return {
      ...endpoint,
      deliveries: recent.length,
      succeeded,
      failed,
      pending: count("pending"),
      successRate,
      p95DurationMs: percentile95(recent.map((d) => d.durationMs).sort((a, b) => a - b)),
      lastDeliveryAt: recent.reduce<number | null>(
        (latest, d) => (latest === null || d.createdAt > latest ? d.createdAt : latest),
        null,
      ),
      status: statusOf(successRate),
    };
  });
}
