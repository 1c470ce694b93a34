// The workspace router by caller: each user sees only the workspaces they belong to, and only
// members get the host app's agent tickets.
import { defineApp } from "@agent-access/api";
import { newId } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createTestApi,
  signUp,
  type TestApi,
  type TestBrowser,
} from "../../../packages/api/test/callers.ts";
import { workspaceAssistant } from "./agent.ts";
import { setWorkspaceMember } from "./db/index.ts";
import { workspaceDemoMigrations } from "./migrations.ts";
import { workspaceRouter } from "./router.ts";

// The demo as an app: what apps/server/src/app.config.ts registers of it.
const demo = defineApp({
  agents: [workspaceAssistant],
  routers: { workspace: workspaceRouter },
  migrations: [workspaceDemoMigrations],
});
type DemoRouters = typeof demo.routers;

let api: TestApi<DemoRouters>;
let owner: TestBrowser<DemoRouters>;
let ownerUser: Awaited<ReturnType<typeof signUp>>;
let stranger: TestBrowser<DemoRouters>;
let strangerUser: Awaited<ReturnType<typeof signUp>>;
beforeEach(async () => {
  api = createTestApi({ app: demo });
  owner = api.browser();
  ownerUser = await signUp(owner, { name: "Olive Owner" });
  stranger = api.browser();
  strangerUser = await signUp(stranger, { name: "Sam Stranger" });
});
afterEach(() => api.close());

describe("workspace router", () => {
  it("creates workspaces with the creator as owner and lists them only for their members", async () => {
    const acme = await owner.caller.workspace.create({ name: "  Acme  " });
    expect(acme).toMatchObject({ name: "Acme", role: "owner" });
    expect(await owner.caller.workspace.list()).toContainEqual(acme);
    const theirs = await stranger.caller.workspace.list();
    expect(theirs.map((workspace) => workspace.id)).not.toContain(acme.id);
  });

  it("answers NOT_FOUND to a non-member, exactly as for a missing id", async () => {
    const acme = await owner.caller.workspace.create({ name: "Private" });
    const forStranger = await stranger.caller.workspace
      .get({ workspaceId: acme.id })
      .catch((error: unknown) => error);
    const missing = await stranger.caller.workspace
      .get({ workspaceId: "ws_missing" })
      .catch((error: unknown) => error);
    expect(forStranger).toBeInstanceOf(TRPCError);
    expect(forStranger).toMatchObject({ code: "NOT_FOUND" });
    expect(missing).toMatchObject({ code: "NOT_FOUND" });
    expect((forStranger as TRPCError).message).toBe((missing as TRPCError).message);
    expect((forStranger as TRPCError).message).not.toContain("Private");
  });

  it("shows members with their roles, endpoints and recent delivery health to members", async () => {
    const acme = await owner.caller.workspace.create({ name: "Shared" });
    setWorkspaceMember(api.db, { workspaceId: acme.id, userId: strangerUser.id, role: "member" });
    const endpointId = newId("we");
    api.db
      .prepare(
        "INSERT INTO webhook_endpoint (id, workspace_id, url, description, created_at) VALUES (?, ?, ?, 'Orders', 0)",
      )
      .run(endpointId, acme.id, "https://hooks.example/orders");
    for (const [status, duration] of [
      ["succeeded", 100],
      ["succeeded", 200],
      ["failed", 900],
    ] as const) {
      api.db
        .prepare(
          `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, duration_ms, created_at)
           VALUES (?, ?, 'order.created', ?, ?, ?)`,
        )
        .run(newId("whd"), endpointId, status, duration, api.clock.now);
    }
    expect(await stranger.caller.workspace.get({ workspaceId: acme.id })).toMatchObject({
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

  it("refuses callers who are not signed in", async () => {
    const anonymous = api.browser().caller;
    await expect(anonymous.workspace.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(anonymous.workspace.create({ name: "X" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("answers a nameless workspace with BAD_REQUEST naming the field", async () => {
    const error = await owner.caller.workspace.create({ name: "  " }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BAD_REQUEST" });
    expect(z.flattenError((error as TRPCError).cause as z.ZodError).fieldErrors).toEqual({
      name: ["Enter a name"],
    });
  });
});

describe("workspace.issueAgentTicket", () => {
  it("mints tickets for members only, scoped to the workspace and user", async () => {
    const workspaceId = (await owner.caller.workspace.create({ name: "Acme" })).id;

    const issued = await owner.caller.workspace.issueAgentTicket({
      workspaceId,
      sessionType: "static",
    });
    expect(issued).toEqual({
      ticket: expect.stringMatching(/^aat_/),
      expiresAt: api.clock.now + 1_800_000,
      vanityUrl: `http://localhost:5173/vanity/agents?ticket=${issued.ticket}`,
    });
    const tab = api.browser();
    expect(await tab.caller.session.exchange({ ticket: issued.ticket })).toMatchObject({
      sessionType: "static",
      contextGroup: `workspace:${workspaceId}:user:${ownerUser.id}`,
    });

    const signin = await owner.caller.workspace.issueAgentTicket({
      workspaceId,
      sessionType: "signin",
    });
    expect(await owner.caller.session.exchange({ ticket: signin.ticket })).toMatchObject({
      sessionType: "signin",
      contextGroup: `user:${ownerUser.id}`,
    });

    const before = api.db.prepare("SELECT count(*) FROM agent_ticket").pluck().get();
    await expect(
      stranger.caller.workspace.issueAgentTicket({ workspaceId, sessionType: "static" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(api.db.prepare("SELECT count(*) FROM agent_ticket").pluck().get()).toBe(before);

    await expect(
      api.browser().caller.workspace.issueAgentTicket({ workspaceId, sessionType: "static" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
