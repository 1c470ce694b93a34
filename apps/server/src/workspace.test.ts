// Workspaces over HTTP: each user sees only the workspaces they belong to.
import { newId, setWorkspaceMember } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CookieClient,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  trpcData,
  trpcError,
} from "../test/harness.ts";

interface Workspace {
  id: string;
  name: string;
  role: string;
}

let server: TestServer;
let owner: CookieClient;
let ownerUser: TestUser;
let stranger: CookieClient;
let strangerUser: TestUser;
beforeAll(async () => {
  server = await startTestServer();
  owner = new CookieClient(server.url);
  ownerUser = await signUp(owner, { name: "Olive Owner" });
  stranger = new CookieClient(server.url);
  strangerUser = await signUp(stranger, { name: "Sam Stranger" });
});
afterAll(() => server.close());

async function createWorkspace(client: CookieClient, name: string): Promise<Workspace> {
  const response = await client.mutation("workspace.create", { name });
  expect(response.status).toBe(200);
  return trpcData<Workspace>(response);
}

describe("workspaces over HTTP", () => {
  it("are created with the creator as owner and listed only for their members", async () => {
    const acme = await createWorkspace(owner, "  Acme  ");
    expect(acme).toMatchObject({ name: "Acme", role: "owner" });
    expect(await trpcData<Workspace[]>(await owner.query("workspace.list"))).toContainEqual(acme);
    const theirs = await trpcData<Workspace[]>(await stranger.query("workspace.list"));
    expect(theirs.map((w) => w.id)).not.toContain(acme.id);
  });

  it("answer NOT_FOUND to a non-member, exactly as for a missing id", async () => {
    const acme = await createWorkspace(owner, "Private");
    const forStranger = await stranger.query("workspace.get", { workspaceId: acme.id });
    const missing = await stranger.query("workspace.get", { workspaceId: "ws_missing" });
    expect(forStranger.status).toBe(404);
    expect(missing.status).toBe(404);
    const [strangerError, missingError] = [await trpcError(forStranger), await trpcError(missing)];
    expect(strangerError.data.code).toBe("NOT_FOUND");
    expect(strangerError.message).toBe(missingError.message);
    expect(JSON.stringify(strangerError)).not.toContain("Private");
  });

  it("show members with their roles, endpoints and recent delivery health to members", async () => {
    const acme = await createWorkspace(owner, "Shared");
    setWorkspaceMember(server.db, {
      workspaceId: acme.id,
      userId: strangerUser.id,
      role: "member",
    });
    const endpointId = newId("we");
    server.db
      .prepare(
        "INSERT INTO webhook_endpoint (id, workspace_id, url, description, created_at) VALUES (?, ?, ?, 'Orders', 0)",
      )
      .run(endpointId, acme.id, "https://hooks.example/orders");
    for (const [status, duration] of [
      ["succeeded", 100],
      ["succeeded", 200],
      ["failed", 900],
    ] as const) {
      server.db
        .prepare(
          `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, duration_ms, created_at)
           VALUES (?, ?, 'order.created', ?, ?, ?)`,
        )
        .run(newId("whd"), endpointId, status, duration, server.clock.now);
    }

    const response = await stranger.query("workspace.get", { workspaceId: acme.id });
    expect(response.status).toBe(200);
    expect(await trpcData(response)).toMatchObject({
      id: acme.id,
      name: "Shared",
      role: "member",
      members: [
        { userId: ownerUser.id, name: "Olive Owner", role: "owner" },
        { userId: strangerUser.id, name: "Sam Stranger", role: "member" },
      ],
      endpoints: [
        {
          id: endpointId,
          url: "https://hooks.example/orders",
          deliveries: 3,
          succeeded: 2,
          failed: 1,
          successRate: 2 / 3,
          p95DurationMs: 900,
          status: "failing",
        },
      ],
    });
  });

  it("refuse callers who are not signed in", async () => {
    const anonymous = new CookieClient(server.url);
    expect((await anonymous.query("workspace.list")).status).toBe(401);
    expect((await anonymous.mutation("workspace.create", { name: "X" })).status).toBe(401);
  });

  it("answer a nameless workspace with 400 naming the field", async () => {
    const response = await owner.mutation("workspace.create", { name: "  " });
    expect(response.status).toBe(400);
    expect((await trpcError(response)).data.zodError?.fieldErrors).toEqual({
      name: ["Enter a name"],
    });
  });
});
