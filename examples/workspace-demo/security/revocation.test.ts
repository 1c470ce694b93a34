// The workspace demo's ticket door and memberships end what they minted (issue #12 item 7):
// "sign out everywhere" ends the agent sessions workspace.issueAgentTicket minted for the user,
// static ones included (a static session names the workspace in its group and follows no sign-in
// of its own), and removing a member ends those minted for them in that workspace only. The
// framework's side, without the demo: tests/security/revocation.test.ts.
import { type Db, run } from "@agent-access/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CookieClient,
  signUp,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../../apps/server/test/harness.ts";

/** Adds `userId` to a workspace (the demo's workspace_member table). */
async function setWorkspaceMember(
  db: Db,
  member: { workspaceId: string; userId: string; role: "owner" | "member" },
): Promise<void> {
  await run(
    db,
    "INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
    [member.workspaceId, member.userId, member.role, Date.now()],
  );
}

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(() => server.close());

const listStatus = async (browser: CookieClient) =>
  (await browser.query("context.list", {})).status;

/** A signed-in user with a workspace of their own. */
async function hostUser() {
  const browser = new CookieClient(server.url);
  const user = await signUp(browser);
  const workspace = await trpcResult<{ id: string }>(
    await browser.mutation("workspace.create", { name: `${user.name}'s` }),
  );
  return { browser, user, workspaceId: workspace.data!.id };
}

/** An agent session minted by the host door for the user of `host`, exchanged in `into`. */
async function hostSession(
  host: CookieClient,
  workspaceId: string,
  sessionType: "static" | "signin",
  into: CookieClient = new CookieClient(server.url),
): Promise<CookieClient> {
  const minted = await trpcResult<{ ticket: string }>(
    await host.mutation("workspace.issueAgentTicket", { workspaceId, sessionType }),
  );
  expect(minted.status).toBe(200);
  const exchanged = await into.mutation("session.exchange", { ticket: minted.data!.ticket });
  expect(exchanged.status).toBe(200);
  return into;
}

describe("ending a user's access", () => {
  it("signing out everywhere ends the agent sessions the host minted for the user, static included", async () => {
    const ada = await hostUser();
    const bob = await hostUser();
    // A static session handed to another device (no sign-in there), and an unused ticket.
    const elsewhere = await hostSession(ada.browser, ada.workspaceId, "static");
    const unused = await trpcResult<{ ticket: string }>(
      await ada.browser.mutation("workspace.issueAgentTicket", {
        workspaceId: ada.workspaceId,
        sessionType: "static",
      }),
    );
    const bobs = await hostSession(bob.browser, bob.workspaceId, "static");
    expect(await listStatus(elsewhere)).toBe(200);

    expect((await ada.browser.mutation("auth.signOutEverywhere")).status).toBe(200);

    expect(await listStatus(elsewhere)).toBe(401);
    const late = await new CookieClient(server.url).mutation("session.exchange", {
      ticket: unused.data!.ticket,
    });
    expect(late.status).toBe(401);
    expect(await listStatus(bobs)).toBe(200);
  });

  it("removing a member ends the agent sessions minted for them in that workspace only", async () => {
    const owner = await hostUser();
    const member = await hostUser();
    await setWorkspaceMember(server.db, {
      workspaceId: owner.workspaceId,
      userId: member.user.id,
      role: "member",
    });
    const inShared = await hostSession(member.browser, owner.workspaceId, "static");
    const inOwn = await hostSession(member.browser, member.workspaceId, "static");
    const ownersOwn = await hostSession(owner.browser, owner.workspaceId, "static");
    expect(await listStatus(inShared)).toBe(200);

    const removed = await trpcResult<{ endedAgentSessions: number }>(
      await owner.browser.mutation("workspace.removeMember", {
        workspaceId: owner.workspaceId,
        userId: member.user.id,
      }),
    );
    expect(removed).toMatchObject({ status: 200, data: { endedAgentSessions: 1 } });

    expect(await listStatus(inShared)).toBe(401);
    expect(await listStatus(inOwn)).toBe(200);
    expect(await listStatus(ownersOwn)).toBe(200);
    // The removed member can no longer mint for the workspace either.
    const refused = await member.browser.mutation("workspace.issueAgentTicket", {
      workspaceId: owner.workspaceId,
      sessionType: "static",
    });
    expect(refused.status).toBe(404);
  });

  it("lets only an owner remove others, never an owner, and answers NOT_FOUND to outsiders", async () => {
    const owner = await hostUser();
    const member = await hostUser();
    const other = await hostUser();
    const outsider = await hostUser();
    for (const user of [member, other]) {
      await setWorkspaceMember(server.db, {
        workspaceId: owner.workspaceId,
        userId: user.user.id,
        role: "member",
      });
    }
    const remove = (by: CookieClient, userId: string) =>
      by.mutation("workspace.removeMember", { workspaceId: owner.workspaceId, userId });
    expect((await remove(outsider.browser, member.user.id)).status).toBe(404);
    expect((await remove(member.browser, other.user.id)).status).toBe(403);
    expect((await remove(member.browser, owner.user.id)).status).toBe(403);
    expect((await remove(owner.browser, owner.user.id)).status).toBe(400);
    expect((await remove(member.browser, member.user.id)).status).toBe(200);
    expect((await remove(owner.browser, other.user.id)).status).toBe(200);
  });
});
