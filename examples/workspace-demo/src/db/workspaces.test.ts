import { createUser, type Db, migrateApp, newId, run } from "@agent-access/db";
import { describeEachDialect, openTestDatabase } from "@agent-access/db/testing";
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
describeEachDialect("workspaces", () => {
  beforeEach(async () => {
    db = await openTestDatabase();
    await migrateApp(db, workspaceDemoMigrations);
    ada = (await createUser(db, { email: "ada@example.com", name: "Ada", passwordHash: "h" }))!.id;
    bob = (await createUser(db, { email: "bob@example.com", name: "Bob", passwordHash: "h" }))!.id;
  });

  async function addEndpoint(workspaceId: string, url: string): Promise<string> {
    const id = newId("we");
    await run(
      db,
      "INSERT INTO webhook_endpoint (id, workspace_id, url, created_at) VALUES (?, ?, ?, 0)",
      [id, workspaceId, url],
    );
    return id;
  }

  async function addDelivery(
    endpointId: string,
    status: string,
    durationMs: number,
    createdAt: number,
  ) {
    await run(
      db,
      `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, duration_ms, created_at)
     VALUES (?, ?, 'order.created', ?, ?, ?)`,
      [newId("whd"), endpointId, status, durationMs, createdAt],
    );
  }

  describe("workspaces", () => {
    it("belong to their creator as owner and are listed only for their members", async () => {
      const acme = await createWorkspace(db, { name: "Acme", ownerId: ada }, 5);
      await createWorkspace(db, { name: "Bob's", ownerId: bob });
      expect(acme).toEqual({
        id: expect.stringMatching(/^ws_/),
        name: "Acme",
        createdAt: 5,
        role: "owner",
      });
      expect(await listWorkspacesOfUser(db, ada)).toEqual([acme]);
      expect((await listWorkspacesOfUser(db, bob)).map((w) => w.name)).toEqual(["Bob's"]);
    });

    it("are found only by members: a stranger and a missing id look the same", async () => {
      const acme = await createWorkspace(db, { name: "Acme", ownerId: ada });
      expect(await findWorkspaceForMember(db, acme.id, bob)).toBeUndefined();
      expect(await getWorkspaceDetails(db, acme.id, bob)).toBeUndefined();
      expect(await getWorkspaceDetails(db, "ws_missing", ada)).toBeUndefined();
      expect(await isWorkspaceMember(db, acme.id, bob)).toBe(false);
      expect(await isWorkspaceMember(db, acme.id, ada)).toBe(true);

      await setWorkspaceMember(db, { workspaceId: acme.id, userId: bob, role: "member" });
      expect(await isWorkspaceMember(db, acme.id, bob)).toBe(true);
      expect(await getWorkspaceDetails(db, acme.id, bob)).toMatchObject({
        role: "member",
        members: [
          { userId: ada, role: "owner", name: "Ada" },
          { userId: bob, role: "member", name: "Bob" },
        ],
      });
    });

    it("report each endpoint's health from its newest deliveries only", async () => {
      const acme = await createWorkspace(db, { name: "Acme", ownerId: ada });
      const other = await createWorkspace(db, { name: "Other", ownerId: bob });
      const flaky = await addEndpoint(acme.id, "https://flaky.test");
      const quiet = await addEndpoint(acme.id, "https://quiet.test");
      const foreign = await addEndpoint(other.id, "https://foreign.test");
      // Old failures beyond the window must not count.
      for (let i = 0; i < 50; i++) await addDelivery(flaky, "failed", 9999, i);
      for (let i = 0; i < HEALTH_WINDOW; i++) {
        await addDelivery(flaky, i % 10 === 0 ? "failed" : "succeeded", i + 1, 1000 + i);
      }
      await addDelivery(flaky, "pending", 1, 5000);
      await addDelivery(foreign, "failed", 1, 5000);

      const details = (await getWorkspaceDetails(db, acme.id, ada))!;
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
});
