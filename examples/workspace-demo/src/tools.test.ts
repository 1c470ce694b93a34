import type { ToolContext } from "@agent-access/agents";
import { type Db, migrate, migrateApp, openDatabase } from "@agent-access/db";
import { beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "./db/index.ts";
import { workspaceDemoMigrations } from "./migrations.ts";
import { workspacesOfGroup } from "./tenancy.ts";
import { getWebhookHealth, retryFailedDeliveries } from "./tools.ts";

let db: Db;
let workspaceIds: string[];
let userId: string;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
  migrateApp(db, workspaceDemoMigrations);
  const seeded = seedDemo(db, "not-a-real-hash", 1_000_000_000)!;
  workspaceIds = seeded.workspaceIds;
  userId = seeded.userId;
});

function context(contextGroup: string): ToolContext {
  return {
    contextGroup,
    hostContext: {},
    contextId: "ctx_test",
    db,
    signal: new AbortController().signal,
    now: () => 1_000_000_000,
  };
}

describe("the workspaces of a context group", () => {
  it("are the named workspace, or a signin user's workspaces, or none", () => {
    const [production] = workspaceIds as [string];
    expect(workspacesOfGroup(db, `workspace:${production}:user:7`)).toEqual([production]);
    expect(workspacesOfGroup(db, `workspace:${production}`)).toEqual([production]);
    expect(workspacesOfGroup(db, "workspace:ws_missing:user:7")).toEqual([]);
    expect(workspacesOfGroup(db, `user:${userId}`).sort()).toEqual([...workspaceIds].sort());
    // A user segment beside others is not a signin group.
    expect(workspacesOfGroup(db, `team:1:user:${userId}`)).toEqual([]);
    expect(workspacesOfGroup(db, "tenant:acme")).toEqual([]);
  });
});

describe("the webhook tools", () => {
  it("report the health of the group's workspace with a summary", async () => {
    const [production] = workspaceIds as [string];
    const result = (await getWebhookHealth.execute({}, context(`workspace:${production}`))) as {
      deliveries: number;
      successRate: number;
      failingEndpoints: { url: string }[];
      summary: string;
    };
    expect(result.deliveries).toBe(180);
    expect(result.successRate).toBeGreaterThan(0.5);
    expect(result.failingEndpoints.map((e) => e.url)).toEqual([
      "https://billing.acme.test/webhooks",
    ]);
    expect(result.summary).toMatch(/^Across 180 deliveries to 3 endpoints, \d+\.\d% succeeded/);
    const all = (await getWebhookHealth.execute({}, context(`user:${userId}`))) as {
      workspaces: number;
      deliveries: number;
    };
    expect(all).toMatchObject({ workspaces: 2, deliveries: 240 });
  });

  it("count only the deliveries of the last `sinceHours` hours when asked", async () => {
    const [production] = workspaceIds as [string];
    // The seed's deliveries are all of the last hour; add 20 from six hours ago, all failed.
    const endpointId = db
      .prepare("SELECT id FROM webhook_endpoint WHERE workspace_id = ? ORDER BY url LIMIT 1")
      .pluck()
      .get(production);
    const insert = db.prepare(
      `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, response_status,
         duration_ms, attempt, created_at) VALUES (?, ?, 'invoice.paid', 'failed', 500, 100, 1, ?)`,
    );
    for (let i = 0; i < 20; i++)
      insert.run(`whd_old_${i}`, endpointId, 1_000_000_000 - 6 * 3_600_000);

    const health = async (input: { sinceHours?: number }) =>
      (await getWebhookHealth.execute(input, context(`workspace:${production}`))) as {
        deliveries: number;
        successRate: number;
      };
    expect((await health({})).deliveries).toBe(200);
    expect((await health({ sinceHours: 6 })).deliveries).toBe(200);
    const lastHour = await health({ sinceHours: 1 });
    expect(lastHour.deliveries).toBe(180);
    expect((await health({ sinceHours: 5 })).deliveries).toBe(180);
    // The old failures weigh on the all-time rate only.
    expect(lastHour.successRate).toBeGreaterThan((await health({})).successRate);
  });

  it("refuse a group that names no workspace, in words the model can pass on", () => {
    expect(() => getWebhookHealth.execute({}, context("tenant:acme"))).toThrow(
      /not tied to any workspace/,
    );
  });

  it("mark failed deliveries of the group's workspace for retry, and only those", async () => {
    const [production, staging] = workspaceIds as [string, string];
    const result = (await retryFailedDeliveries.execute(
      {},
      context(`workspace:${production}:user:7`),
    )) as { marked: number; summary: string };
    expect(result.marked).toBeGreaterThan(0);
    expect(result.summary).toMatch(/^Marked \d+ failed deliveries for retry: /);
    const markedIn = (workspace: string) =>
      db
        .prepare(
          `SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
            WHERE e.workspace_id = ? AND d.retry_requested_at = 1000000000`,
        )
        .pluck()
        .get(workspace);
    expect(markedIn(production)).toBe(result.marked);
    expect(markedIn(staging)).toBe(0);
    expect(retryFailedDeliveries.needsApproval).toBe(true);
  });
});
