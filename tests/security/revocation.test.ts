// Issue #12 item 3: revoking an API key must also end what it minted, the unused tickets and the
// agent sessions they became (before, a session minted with a leaked key lived on for up to 24 h
// after the key was revoked). `pnpm cli api-key revoke` says how many it ended.
// Item 7: "sign out everywhere" must end the agent sessions the host app minted for that user
// (mintTicket's hostUserId, here through the test host door, apps/server/test/host-door.ts),
// static ones included: a static session follows no sign-in of its own. The workspace demo's
// door and its membership removal: examples/workspace-demo/security/revocation.test.ts.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TEST_AGENT } from "@agent-access/agents/testing";
import { closeDatabase, createApiKey, openDatabase, revokeApiKey } from "@agent-access/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CookieClient,
  openEvents,
  postTicket,
  signUp,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { hostDoorServer } from "../../apps/server/test/host-door.ts";
import { startServerProcess } from "../../apps/server/test/server-process.ts";
import { recordFigures } from "./support/figures.ts";

let server: TestServer;
beforeEach(async () => {
  server = await hostDoorServer({ config: { streamSessionCheckMs: 50 } });
});
afterEach(() => server.close());

async function mint(apiKey: string, contextGroup: string): Promise<string> {
  const response = await postTicket(server, apiKey, {
    ticket_type: "agent_access",
    agent_ids: [TEST_AGENT],
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
    const leaked = await createApiKey(server.db, "leaked");
    const other = await createApiKey(server.db, "other");
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
    expect(await revokeApiKey(server.db, leaked.id, server.clock.now)).toEqual({
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
      const key = await createApiKey(db, "cli");
      const mintFrom = async (contextGroup: string) => {
        const response = await fetch(`${child.url}/session/tickets`, {
          method: "POST",
          headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" },
          body: JSON.stringify({
            ticket_type: "agent_access",
            agent_ids: [TEST_AGENT],
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
      await closeDatabase(db);
      await child.stop();
    }
  });
});

/** A signed-in user of the host app. */
async function hostUser() {
  const browser = new CookieClient(server.url);
  const user = await signUp(browser);
  return { browser, user };
}

/** A ticket the host door minted for the user of `host`, for `device`. */
async function hostTicket(
  host: CookieClient,
  sessionType: "static" | "signin",
  device: string,
): Promise<string> {
  const minted = await trpcResult<{ ticket: string }>(
    await host.mutation("hostDoor.issueTicket", { sessionType, device }),
  );
  expect(minted.status).toBe(200);
  return minted.data!.ticket;
}

describe("ending a user's access", () => {
  it("signing out everywhere ends the agent sessions the host minted for the user, static included", async () => {
    const ada = await hostUser();
    const bob = await hostUser();
    // A static session handed to another device (no sign-in there), a signin one beside the
    // sign-in, and an unused ticket; Bob's session and a backend's (REST) are bystanders.
    const elsewhere = await exchange(await hostTicket(ada.browser, "static", "tablet"));
    await ada.browser.mutation("session.exchange", {
      ticket: await hostTicket(ada.browser, "signin", "laptop"),
    });
    const unused = await hostTicket(ada.browser, "static", "phone");
    const bobs = await exchange(await hostTicket(bob.browser, "static", "tablet"));
    const backends = await exchange(
      await mint((await createApiKey(server.db, "backend")).key, `host:tablet:user:${ada.user.id}`),
    );
    expect(await listStatus(elsewhere)).toBe(200);
    expect(await listStatus(ada.browser)).toBe(200);

    expect((await ada.browser.mutation("auth.signOutEverywhere")).status).toBe(200);

    expect(await listStatus(elsewhere)).toBe(401);
    expect(await listStatus(ada.browser)).toBe(401);
    const late = await new CookieClient(server.url).mutation("session.exchange", {
      ticket: unused,
    });
    expect(late.status).toBe(401);
    expect(await listStatus(bobs)).toBe(200);
    expect(await listStatus(backends)).toBe(200);
  });
});
