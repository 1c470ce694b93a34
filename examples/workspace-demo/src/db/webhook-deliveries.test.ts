import { type Db, migrate, migrateApp, openDatabase } from "@agent-access/db";
import { beforeEach, describe, expect, it } from "vitest";
import { workspaceDemoMigrations } from "../migrations.ts";
import {
  deliveryStats,
  existingWorkspaceIds,
  markFailedDeliveriesForRetry,
  seedDemo,
  workspaceIdsOfUser,
} from "./index.ts";

let db: Db;
let workspaces: string[];
let userId: string;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
  migrateApp(db, workspaceDemoMigrations);
  const seeded = seedDemo(db, "not-a-real-hash", 1_000_000_000)!;
  workspaces = seeded.workspaceIds;
  userId = seeded.userId;
});

function count(sql: string, ...params: unknown[]): number {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

describe("webhook data for the demo agent", () => {
  it("finds a user's workspaces and checks workspace ids", () => {
    expect(workspaceIdsOfUser(db, userId).sort()).toEqual([...workspaces].sort());
    expect(workspaceIdsOfUser(db, "usr_nobody")).toEqual([]);
    expect(existingWorkspaceIds(db, [workspaces[0]!, "ws_missing"])).toEqual([workspaces[0]]);
  });

  it("reports delivery health of the given workspaces only", () => {
    const [production, staging] = workspaces as [string, string];
    const health = deliveryStats(db, [production], null);
    expect(health.endpoints).toHaveLength(3);
    expect(health.deliveries).toBe(180);
    expect(health.succeeded + health.failed).toBe(180);
    const durations = db
      .prepare(
        `SELECT duration_ms FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
          WHERE e.workspace_id = ? ORDER BY duration_ms`,
      )
      .pluck()
      .all(production) as number[];
    expect(health.p95LatencyMs).toBe(durations[Math.ceil(180 * 0.95) - 1]);
    const billing = health.endpoints.find((e) => e.url.includes("billing"))!;
    expect(billing.failed).toBeGreaterThan(10);
    expect(deliveryStats(db, [staging], null).endpoints).toHaveLength(1);
    expect(deliveryStats(db, [], null)).toMatchObject({ deliveries: 0, p95LatencyMs: null });
    // Only deliveries since the given time count.
    expect(deliveryStats(db, [production], 1_000_000_000 - 10 * 60_000).deliveries).toBe(30);
  });

  it("marks failed deliveries for retry in the given workspaces only, once", () => {
    const [production, staging] = workspaces as [string, string];
    const failedHere = count(
      `SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
        WHERE e.workspace_id = ? AND d.status = 'failed'`,
      production,
    );
    const result = markFailedDeliveriesForRetry(db, [production], { now: 5 });
    expect(result.marked).toBe(failedHere);
    expect(result.endpoints.reduce((sum, e) => sum + e.marked, 0)).toBe(failedHere);
    expect(
      count(
        `SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
          WHERE e.workspace_id = ? AND d.retry_requested_at IS NOT NULL`,
        staging,
      ),
    ).toBe(0);
    expect(markFailedDeliveriesForRetry(db, [production], { now: 6 }).marked).toBe(0);
    // An endpoint of another workspace is out of reach even when named.
    const stagingEndpoint = db
      .prepare("SELECT id FROM webhook_endpoint WHERE workspace_id = ?")
      .pluck()
      .get(staging) as string;
    expect(
      markFailedDeliveriesForRetry(db, [production], { endpointId: stagingEndpoint, now: 7 })
        .marked,
    ).toBe(0);
  });
});
