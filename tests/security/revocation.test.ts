// Issue #12 item 3: revoking an API key must also end what it minted, the unused tickets and the
// agent sessions they became (before, a session minted with a leaked key lived on for up to 24 h
// after the key was revoked). `pnpm cli api-key revoke` says how many it ended.
// Item 7: "sign out everywhere" and removing a membership must end the agent sessions the host
// app minted for that user (workspace.issueAgentTicket), static ones included: a static session
// names the workspace in its group and follows no sign-in of its own.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createApiKey, type Db, openDatabase, revokeApiKey } from "@agent-access/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CookieClient,
  openEvents,
  postTicket,
  signUp,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { startServerProcess } from "../../apps/server/test/server-process.ts";
import { recordFigures } from "./support/figures.ts";

/** Adds `userId` to the demo's workspace (examples/workspace-demo: its workspace_member table). */
function setWorkspaceMember(
  db: Db,
  member: { workspaceId: string; userId: string; role: "owner" | "member" },
): void {
  db.prepare(
    "INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
  ).run(member.workspaceId, member.userId, member.role, Date.now());
}

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer({ config: { streamSessionCheckMs: 50 } });
});
afterEach(() => server.close());

async function mint(apiKey: string, contextGroup: string): Promise<string> {
  const response = await postTicket(server, apiKey, {
    ticket_type: "agent_access",
    agent_ids: ["workspace-assistant"],
    agent_session_identifier: "static",
    context_group: contextGroup,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticket: string }).ticket;
}

async function exchange(ticket: string): Promise<CookieClient> {
  const browser = new CookieClient(server.url);
  const response = await browser.mutation("session.exchange", { ticket });
  expect(response.status).toBe(200);
  return browser;
}

const listStatus = async (browser: CookieClient) =>
  (await browser.query("context.list", {})).status;

describe("revoking an API key", () => {
  it("ends its unused tickets and live agent sessions, open streams included, and nothing else", async () => {
    const leaked = createApiKey(server.db, "leaked");
    const other = createApiKey(server.db, "other");
    const sessions = await Promise.all(
      [1, 2, 3].map(async (n) => exchange(await mint(leaked.key, `team:leak:user:${n}`))),
    );
    const unused = await mint(leaked.key, "team:leak:user:4");
    const bystander = await exchange(await mint(other.key, "team:other:user:1"));

    const created = await trpcResult<{ context: { id: string } }>(
      await sessions[0]!.mutation("context.create", { title: "open" }),
    );
    const stream = await openEvents(sessions[0]!, created.data!.context.id);
    expect(stream.status).toBe(200);

    // What `pnpm cli api-key revoke` calls, with its answer.
    expect(revokeApiKey(server.db, leaked.id, server.clock.now)).toEqual({
      tickets: 1,
      sessions: 3,
    });

    for (const browser of sessions) expect(await listStatus(browser)).toBe(401);
    const refused = await trpcResult(
      await new CookieClient(server.url).mutation("session.exchange", { ticket: unused }),
    );
    expect(refused).toMatchObject({ status: 401, error: { message: /ticket revoked/ } });
    // The open stream ends at its next session check.
    await expect(stream.until("never", 5_000)).rejects.toThrow(/agent session expired or ended/);
    // The other key's session is untouched.
    expect(await listStatus(bystander)).toBe(200);
    recordFigures("key-revocation", { endedSessions: 3, endedTickets: 1, untouched: 1 });
  });
});

describe("pnpm cli api-key revoke", () => {
  it("says how many tickets and agent sessions it ended", async () => {
    const child = await startServerProcess({ production: false });
    const db = openDatabase(child.databasePath);
    try {
      const key = createApiKey(db, "cli");
      const mintFrom = async (contextGroup: string) => {
        const response = await fetch(`${child.url}/session/tickets`, {
          method: "POST",
          headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
          body: JSON.stringify({
            ticket_type: "agent_access",
            agent_ids: ["workspace-assistant"],
            agent_session_identifier: "static",
            context_group: contextGroup,
          }),
        });
        return ((await response.json()) as { ticket: string }).ticket;
      };
      const browser = new CookieClient(child.url);
      await browser.mutation("session.exchange", { ticket: await mintFrom("team:cli:user:1") });
      await mintFrom("team:cli:user:2");
      await mintFrom("team:cli:user:3");
      expect((await browser.query("context.list", {})).status).toBe(200);

      const revoked = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          fileURLToPath(new URL("../../apps/server/src/cli.ts", import.meta.url)),
          "api-key",
          "revoke",
          key.id,
        ],
        {
          env: { ...process.env, DATABASE_PATH: child.databasePath },
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      expect(revoked.stdout).toContain(
        `Revoked ${key.id}: ended 2 unused ticket(s) and 1 agent session(s) it minted.`,
      );
      expect((await browser.query("context.list", {})).status).toBe(401);
    } finally {
      db.close();
      await child.stop();
    }
  });
});

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
    setWorkspaceMember(server.db, {
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
      setWorkspaceMember(server.db, {
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
