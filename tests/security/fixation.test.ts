// Issue #12 item 2, planted tickets (session fixation): a page on another site navigates the
// victim's browser to /vanity/agents?ticket=<attacker's static ticket>. The exchange silently
// replaced the victim's live session, and what the victim typed next landed in the attacker's
// group. Now an exchange that would replace a live session of another context group is refused
// (CONFLICT) unless the page confirms it, session.preview shows both sessions without using the
// ticket, and tickets carry a display name (REST, tRPC, SDK) that the page shows. What remains
// (a victim with no session at all) is in docs/security.md.

import { TEST_AGENT } from "@agent-access/agents/testing";
import { createApiKey } from "@agent-access/db";
import { afterEach, beforeEach, expect, it } from "vitest";
import {
  CookieClient,
  postTicket,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { AgentAccessClient } from "../../packages/backend/src/index.ts";
import { recordFigures } from "./support/figures.ts";

let server: TestServer;
let victimKey: string;
let attackerKey: string;
beforeEach(async () => {
  server = await startTestServer();
  victimKey = createApiKey(server.db, "victim's app").key;
  attackerKey = createApiKey(server.db, "attacker's own app account").key;
});
afterEach(() => server.close());

async function mint(apiKey: string, contextGroup: string, displayName?: string) {
  const response = await postTicket(server, apiKey, {
    ticket_type: "agent_access",
    agent_ids: [TEST_AGENT],
    agent_session_identifier: "static",
    context_group: contextGroup,
    ...(displayName === undefined ? {} : { display_name: displayName }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { ticket: string }).ticket;
}

interface Preview {
  offered: { displayName: string | null; contextGroup: string | null };
  current: { displayName: string | null; contextGroup: string } | null;
  needsConfirmation: boolean;
}

async function preview(browser: CookieClient, ticket: string) {
  return trpcResult<Preview>(await browser.query("session.preview", { ticket }));
}

async function currentGroup(browser: CookieClient): Promise<string | null> {
  const answer = await trpcResult<{ contextGroup: string } | null>(
    await browser.query("session.current"),
  );
  return answer.data?.contextGroup ?? null;
}

/** A victim whose browser holds a live session of their own group. */
async function victim(): Promise<CookieClient> {
  const browser = new CookieClient(server.url);
  const ticket = await mint(victimKey, "workspace:1:user:victim", "Acme · Victoria");
  expect((await browser.mutation("session.exchange", { ticket })).status).toBe(200);
  return browser;
}

it("does not let a planted ticket replace a live session of another group without confirmation", async () => {
  const browser = await victim();
  const planted = await mint(attackerKey, "workspace:666:user:mallory", "Acme · Victoria");

  const refused = await trpcResult(await browser.mutation("session.exchange", { ticket: planted }));
  expect(refused).toMatchObject({ status: 409, error: { code: "CONFLICT" } });
  // The victim's session is untouched and still works; nothing was created in the other group.
  expect(await currentGroup(browser)).toBe("workspace:1:user:victim");
  expect((await browser.query("context.list", {})).status).toBe(200);
  const created = await trpcResult<{ context: { id: string } }>(
    await browser.mutation("context.create", { firstMessage: "my secret plans" }),
  );
  expect(created.status).toBe(200);
  const groups = server.db
    .prepare("SELECT DISTINCT context_group FROM context")
    .pluck()
    .all() as string[];
  expect(groups).toEqual(["workspace:1:user:victim"]);

  // The planted ticket was not used: the preview still reads it and shows both sessions, the
  // label each was minted with and the group it works in (a copied label does not hide it).
  const shown = await preview(browser, planted);
  expect(shown).toMatchObject({
    status: 200,
    data: {
      needsConfirmation: true,
      current: { contextGroup: "workspace:1:user:victim", displayName: "Acme · Victoria" },
      offered: { contextGroup: "workspace:666:user:mallory", displayName: "Acme · Victoria" },
    },
  });

  // Only a confirmed exchange switches.
  const confirmed = await browser.mutation("session.exchange", {
    ticket: planted,
    confirmReplace: true,
  });
  expect(confirmed.status).toBe(200);
  expect(await currentGroup(browser)).toBe("workspace:666:user:mallory");
  recordFigures("fixation", { refusedWithoutConfirmation: true, previewKeptTicketUnused: true });
});

it("asks nothing when the ticket is for the same group, or the browser holds no session", async () => {
  const browser = await victim();
  const again = await mint(victimKey, "workspace:1:user:victim");
  expect((await preview(browser, again)).data?.needsConfirmation).toBe(false);
  expect((await browser.mutation("session.exchange", { ticket: again })).status).toBe(200);

  const fresh = new CookieClient(server.url);
  const ticket = await mint(attackerKey, "workspace:666:user:mallory");
  expect(await preview(fresh, ticket)).toMatchObject({
    data: { needsConfirmation: false, current: null },
  });
  expect((await fresh.mutation("session.exchange", { ticket })).status).toBe(200);
});

it("counts previews of unknown tickets as failed exchanges", async () => {
  const browser = new CookieClient(server.url);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    statuses.push((await preview(browser, `aat_guess${i}`)).status);
  }
  expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
  expect(statuses.slice(10)).toEqual([429, 429]);
});

it("carries display_name from REST, tRPC and the SDK to the session", async () => {
  const viaRest = await mint(victimKey, "workspace:1:user:victim", "Acme · Victoria (REST)");
  const viaTrpc = await trpcResult<{ ticket: string }>(
    await fetch(`${server.url}/trpc/ticket.create`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${victimKey}` },
      body: JSON.stringify({
        ticket_type: "agent_access",
        agent_ids: [TEST_AGENT],
        agent_session_identifier: "static",
        context_group: "workspace:1:user:victim",
        display_name: "Acme · Victoria (tRPC)",
      }),
    }),
  );
  const viaSdk = await new AgentAccessClient({
    apiKey: victimKey,
    baseUrl: server.url,
  }).tickets.createAgentAccess({
    agentIds: [TEST_AGENT],
    sessionType: "static",
    contextGroup: "workspace:1:user:victim",
    displayName: "Acme · Victoria (SDK)",
  });
  for (const [ticket, label] of [
    [viaRest, "Acme · Victoria (REST)"],
    [viaTrpc.data!.ticket, "Acme · Victoria (tRPC)"],
    [viaSdk.ticket, "Acme · Victoria (SDK)"],
  ] as const) {
    const browser = new CookieClient(server.url);
    const exchanged = await trpcResult<{ displayName: string }>(
      await browser.mutation("session.exchange", { ticket }),
    );
    expect(exchanged.data?.displayName).toBe(label);
    const current = await trpcResult<{ displayName: string }>(
      await browser.query("session.current"),
    );
    expect(current.data?.displayName).toBe(label);
  }
  const tooLong = await postTicket(server, victimKey, {
    ticket_type: "agent_access",
    agent_ids: [TEST_AGENT],
    agent_session_identifier: "static",
    context_group: "workspace:1:user:victim",
    display_name: "x".repeat(121),
  });
  expect(tooLong.status).toBe(400);
});
