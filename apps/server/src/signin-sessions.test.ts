// signin agent sessions follow the browser's sign-in; the host demo's own ticket door; and the
// rate limit on failed exchanges.
import { createApiKey } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CookieClient,
  postTicket,
  signUp,
  startTestServer,
  staticTicket,
  type TestServer,
  trpcResult,
} from "../test/harness.ts";

let server: TestServer;
let apiKey: string;
beforeAll(async () => {
  server = await startTestServer();
  apiKey = createApiKey(server.db, "backend").key;
});
afterAll(() => server.close());

async function signinTicket(): Promise<string> {
  const response = await postTicket(server, apiKey, {
    ticket_type: "agent_access",
    agent_ids: ["workspace-assistant"],
    agent_session_identifier: "signin",
  });
  return ((await response.json()) as { ticket: string }).ticket;
}

const exchange = async (client: CookieClient, ticket: string) =>
  trpcResult<{ contextGroup: string; sessionType: string }>(
    await client.mutation("session.exchange", { ticket }),
  );
const current = async (client: CookieClient) =>
  (await trpcResult(await client.query("session.current"))).data;

describe("signin sessions", () => {
  it("refuse an exchange without a sign-in, and leave the ticket usable", async () => {
    const ticket = await signinTicket();
    const browser = new CookieClient(server.url);
    expect(await exchange(browser, ticket)).toMatchObject({
      status: 401,
      error: { message: "sign in first, then open the agent again" },
    });
    const user = await signUp(browser);
    expect(await exchange(browser, ticket)).toMatchObject({
      status: 200,
      data: { sessionType: "signin", contextGroup: `user:${user.id}` },
    });
  });

  it("end when the user signs out, and do not come back on signing in again", async () => {
    const browser = new CookieClient(server.url);
    const user = await signUp(browser);
    await exchange(browser, await signinTicket());
    expect(await current(browser)).toMatchObject({ contextGroup: `user:${user.id}` });

    expect((await browser.mutation("auth.signOut")).status).toBe(200);
    expect(await current(browser)).toBeNull();

    await browser.mutation("auth.signIn", { email: user.email, password: user.password });
    expect(await current(browser)).toBeNull();
  });

  it("refuse another user's sign-in in the same browser", async () => {
    const browser = new CookieClient(server.url);
    await signUp(browser);
    await exchange(browser, await signinTicket());
    const agentCookie = browser.cookies.get("agent_session")!;

    const other = new CookieClient(server.url);
    await signUp(other);
    other.cookies.set("agent_session", agentCookie);
    expect(await current(other)).toBeNull();
    // The owner keeps it.
    expect(await current(browser)).not.toBeNull();
  });
});

describe("workspace.issueAgentTicket", () => {
  it("mints tickets for members only, scoped to the workspace and user", async () => {
    // Sign-ups are limited per IP; these users sign up after the ones above.
    server.clock.advance(5 * 60_000);
    const owner = new CookieClient(server.url);
    const user = await signUp(owner);
    const created = await trpcResult<{ id: string }>(
      await owner.mutation("workspace.create", { name: "Acme" }),
    );
    const workspaceId = created.data!.id;

    const issued = await trpcResult<{ ticket: string; expiresAt: number; vanityUrl: string }>(
      await owner.mutation("workspace.issueAgentTicket", { workspaceId, sessionType: "static" }),
    );
    expect(issued.data).toEqual({
      ticket: expect.stringMatching(/^aat_/),
      expiresAt: server.clock.now + 1_800_000,
      vanityUrl: `http://localhost/vanity/agents?ticket=${issued.data!.ticket}`,
    });
    const tab = new CookieClient(server.url);
    expect(await exchange(tab, issued.data!.ticket)).toMatchObject({
      status: 200,
      data: { sessionType: "static", contextGroup: `workspace:${workspaceId}:user:${user.id}` },
    });

    const signin = await trpcResult<{ ticket: string }>(
      await owner.mutation("workspace.issueAgentTicket", { workspaceId, sessionType: "signin" }),
    );
    expect(await exchange(owner, signin.data!.ticket)).toMatchObject({
      data: { sessionType: "signin", contextGroup: `user:${user.id}` },
    });

    const stranger = new CookieClient(server.url);
    await signUp(stranger);
    const before = server.db.prepare("SELECT count(*) FROM agent_ticket").pluck().get();
    expect(
      await trpcResult(
        await stranger.mutation("workspace.issueAgentTicket", {
          workspaceId,
          sessionType: "static",
        }),
      ),
    ).toMatchObject({ status: 404, error: { code: "NOT_FOUND" } });
    expect(server.db.prepare("SELECT count(*) FROM agent_ticket").pluck().get()).toBe(before);

    const anonymous = new CookieClient(server.url);
    expect(
      (
        await anonymous.mutation("workspace.issueAgentTicket", {
          workspaceId,
          sessionType: "static",
        })
      ).status,
    ).toBe(401);
  });
});

describe("failed exchanges", () => {
  it("are limited per IP with 429 and Retry-After, and the limit wears off", async () => {
    const limited = await startTestServer();
    try {
      const browser = new CookieClient(limited.url);
      for (let attempt = 0; attempt < 10; attempt++) {
        expect(
          (await browser.mutation("session.exchange", { ticket: `aat_guess${attempt}` })).status,
        ).toBe(401);
      }
      const refused = await browser.mutation("session.exchange", { ticket: "aat_guess10" });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await trpcResult(refused)).error?.message).toMatch(
        /too many failed ticket exchanges/,
      );
      // The limit is for guesses: a valid ticket still exchanges from here.
      const valid = await staticTicket(limited);
      expect((await browser.mutation("session.exchange", { ticket: valid.ticket })).status).toBe(
        200,
      );

      limited.clock.advance(6_000);
      expect((await browser.mutation("session.exchange", { ticket: "aat_guess11" })).status).toBe(
        401,
      );
    } finally {
      await limited.close();
    }
  });
});
