import { createUser, type Db, migrate, migrateApp, newId, openDatabase } from "@agent-access/db";
import { beforeEach, describe, expect, it } from "vitest";
import { workspaceDemoMigrations } from "../migrations.ts";
import {
  createWorkspace,
  findWorkspaceForMember,
  getWorkspaceDetails,
  HEALTH_WINDOW,
  isWorkspaceMember,
  listWorkspacesOfUser,
  setWorkspaceMember,
} from "./index.ts";

let db: Db;
let ada: string;
let bob: string;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
  migrateApp(db, workspaceDemoMigrations);
  ada = createUser(db, { email: "ada@example.com", name: "Ada", passwordHash: "h" })!.id;
  bob = createUser(db, { email: "bob@example.com", name: "Bob", passwordHash: "h" })!.id;
});

function addEndpoint(workspaceId: string, url: string): string {
  const id = newId("we");
  db.prepare(
    "INSERT INTO webhook_endpoint (id, workspace_id, url, created_at) VALUES (?, ?, ?, 0)",
  ).run(id, workspaceId, url);
  return id;
}

function addDelivery(endpointId: string, status: string, durationMs: number, createdAt: number) {
  db.prepare(
    `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, duration_ms, created_at)
     VALUES (?, ?, 'order.created', ?, ?, ?)`,
  ).run(newId("whd"), endpointId, status, durationMs, createdAt);
}

describe("workspaces", () => {
  it("belong to their creator as owner and are listed only for their members", () => {
    const acme = createWorkspace(db, { name: "Acme", ownerId: ada }, 5);
    createWorkspace(db, { name: "Bob's", ownerId: bob });
    expect(acme).toEqual({
      id: expect.stringMatching(/^ws_/),
      name: "Acme",
      createdAt: 5,
      role: "owner",
    });
    expect(listWorkspacesOfUser(db, ada)).toEqual([acme]);
    expect(listWorkspacesOfUser(db, bob).map((w) => w.name)).toEqual(["Bob's"]);
  });

  it("are found only by members: a stranger and a missing id look the same", () => {
    const acme = createWorkspace(db, { name: "Acme", ownerId: ada });
    expect(findWorkspaceForMember(db, acme.id, bob)).toBeUndefined();
    expect(getWorkspaceDetails(db, acme.id, bob)).toBeUndefined();
    expect(getWorkspaceDetails(db, "ws_missing", ada)).toBeUndefined();
    expect(isWorkspaceMember(db, acme.id, bob)).toBe(false);
    expect(isWorkspaceMember(db, acme.id, ada)).toBe(true);

    setWorkspaceMember(db, { workspaceId: acme.id, userId: bob, role: "member" });
    expect(isWorkspaceMember(db, acme.id, bob)).toBe(true);
    expect(getWorkspaceDetails(db, acme.id, bob)).toMatchObject({
      role: "member",
      members: [
        { userId: ada, role: "owner", name: "Ada" },
        { userId: bob, role: "member", name: "Bob" },
      ],
    });
  });

  it("report each endpoint's health from its newest deliveries only", () => {
    const acme = createWorkspace(db, { name: "Acme", ownerId: ada });
    const other = createWorkspace(db, { name: "Other", ownerId: bob });
    const flaky = addEndpoint(acme.id, "https://flaky.test");
    const quiet = addEndpoint(acme.id, "https://quiet.test");
    const foreign = addEndpoint(other.id, "https://foreign.test");
    // Old failures beyond the window must not count.
    for (let i = 0; i < 50; i++) addDelivery(flaky, "failed", 9999, i);
    for (let i = 0; i < HEALTH_WINDOW; i++) {
      addDelivery(flaky, i % 10 === 0 ? "failed" : "succeeded", i + 1, 1000 + i);
    }
    addDelivery(flaky, "pending", 1, 5000);
    addDelivery(foreign, "failed", 1, 5000);

    const details = getWorkspaceDetails(db, acme.id, ada)!;
    expect(details.endpoints).toHaveLength(2);
    const flakyHealth = details.endpoints.find((e) => e.id === flaky);
    const quietHealth = details.endpoints.find((e) => e.id === quiet);
    // The pending one is the newest, so the window holds it and the 99 newest finished ones.
    expect(flakyHealth).toMatchObject({
      id: flaky,
      deliveries: HEALTH_WINDOW,
      pending: 1,
      failed: 9,
      succeeded: 90,
      successRate: 90 / 99,
      p95DurationMs: 95,
      lastDeliveryAt: 5000,
      status: "degraded",
    });
    expect(quietHealth).toMatchObject({
      id: quiet,
      deliveries: 0,
      successRate: null,
      p95DurationMs: null,
      lastDeliveryAt: null,
      status: "no_deliveries",
    });
  });
});
