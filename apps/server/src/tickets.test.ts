// Tickets over REST and tRPC, and their exchange for agent sessions, over real HTTP.
import type { RouterInputs } from "@agent-access/api";
import { MemoryRateLimiter } from "@agent-access/auth";
import { createApiKey, revokeApiKey, value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CookieClient,
  dumpDatabase,
  outcome,
  postTicket,
  startTestServer,
  staticTicket,
  type TestServer,
  trpcResult,
} from "../test/harness.ts";

let server: TestServer;
describeEachDialect("tickets", () => {
  beforeAll(async () => {
    // Many exchanges here fail on purpose; the limit on failures has its own test.
    const exchangeFailures = new MemoryRateLimiter({ capacity: 1_000_000, refillIntervalMs: 1 });
    server = await startTestServer({ exchangeFailures });
  });
  afterAll(() => server.close());

  const staticRequest = {
    ticket_type: "agent_access",
    agent_ids: ["test-assistant"],
    agent_session_identifier: "static",
    context_group: "workspace:42:user:7",
  } satisfies RouterInputs["ticket"]["create"];

  const exchange = (client: CookieClient, ticket: string) =>
    outcome(client.trpc.session.exchange.mutate({ ticket }));

  const current = (client: CookieClient) => client.trpc.session.current.query();

  describe("POST /session/tickets then session.exchange", () => {
    it("mints a ticket and exchanges it for an HttpOnly agent_session cookie", async () => {
      const { key } = await createApiKey(server.db, "backend");
      const minted = await postTicket(server, key, { ...staticRequest, expires_in: 600 });
      expect(minted.status).toBe(201);
      const body = (await minted.json()) as { ticket: string; expires_at: number; url: string };
      expect(Object.keys(body).sort()).toEqual(["expires_at", "ticket", "url"]);
      expect(body.ticket).toMatch(/^aat_[\w-]{43}$/);
      expect(body.expires_at).toBe(server.clock.now + 600_000);
      expect(body.url).toBe(`http://localhost/vanity/agents?ticket=${body.ticket}`);

      const browser = new CookieClient(server.url);
      const response = await browser.mutation("session.exchange", { ticket: body.ticket });
      const cookie = response.headers
        .getSetCookie()
        .find((line) => line.startsWith("agent_session="));
      expect(cookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Expires=/);
      expect(cookie).not.toContain("Secure"); // http://localhost is the one place without it
      expect((await trpcResult(response)).data).toEqual({
        sessionId: expect.stringMatching(/^ags_/),
        sessionType: "static",
        contextGroup: "workspace:42:user:7",
        agents: [
          {
            id: "test-assistant",
            name: "Test assistant",
            description: expect.any(String),
            starterPrompts: expect.arrayContaining(["How healthy are my webhooks?"]),
          },
        ],
        hostContext: {},
        expiresAt: body.expires_at,
        displayName: null,
        ui: {},
        returnUrl: null,
      });
      expect(await current(browser)).toMatchObject({ contextGroup: "workspace:42:user:7" });
    });

    it("answers the same through ticket.create, the tRPC door", async () => {
      const { key } = await createApiKey(server.db, "backend");
      const backend = new CookieClient(server.url).trpcWith({ authorization: `Bearer ${key}` });
      const result = await outcome(backend.ticket.create.mutate(staticRequest));
      expect(result.status).toBe(200);
      expect(result.data?.ticket).toMatch(/^aat_/);
      expect(result.data?.expires_at).toBe(server.clock.now + 1_800_000);
    });

    it("refuses a second exchange of the same ticket, and leaves the first session alone", async () => {
      const { ticket } = await staticTicket(server);
      const first = new CookieClient(server.url);
      expect((await exchange(first, ticket)).status).toBe(200);
      const second = new CookieClient(server.url);
      expect(await exchange(second, ticket)).toMatchObject({
        status: 401,
        error: { code: "UNAUTHORIZED", message: "ticket already used: ask your app for a new one" },
      });
      expect(second.cookies.has("agent_session")).toBe(false);
      expect(await current(first)).not.toBeNull();
    });

    it("refuses an unknown ticket with a message saying what to do", async () => {
      const browser = new CookieClient(server.url);
      expect(await exchange(browser, "aat_not-a-ticket")).toMatchObject({
        status: 401,
        error: { message: "ticket not recognised: ask your app for a new one" },
      });
    });

    it("lets exactly one of two concurrent exchanges win, 100 rounds out of 100", async () => {
      let rounds = 0;
      for (let round = 0; round < 100; round++) {
        const { ticket } = await staticTicket(server);
        const results = await Promise.all([
          exchange(new CookieClient(server.url), ticket),
          exchange(new CookieClient(server.url), ticket),
        ]);
        expect(results.map((result) => result.status).sort()).toEqual([200, 401]);
        rounds++;
      }
      expect(rounds).toBe(100);
    });

    it("refuses an expired ticket, and ends the session when the ticket's time is up", async () => {
      const late = await staticTicket(server, "workspace:1:user:1", { expires_in: 60 });
      server.clock.advance(60_000);
      expect(await exchange(new CookieClient(server.url), late.ticket)).toMatchObject({
        status: 401,
        error: { message: "ticket expired: ask your app for a new one" },
      });

      const { ticket } = await staticTicket(server, "workspace:1:user:1", { expires_in: 60 });
      const browser = new CookieClient(server.url);
      expect((await exchange(browser, ticket)).status).toBe(200);
      server.clock.advance(59_000);
      expect(await current(browser)).not.toBeNull();
      server.clock.advance(1_000);
      expect(await current(browser)).toBeNull();
    });

    it("replaces the browser's older agent session on a new exchange", async () => {
      const browser = new CookieClient(server.url);
      const first = await staticTicket(server, "workspace:1:user:1");
      await exchange(browser, first.ticket);
      const firstCookie = browser.cookies.get("agent_session")!;

      const second = await staticTicket(server, "workspace:2:user:1");
      // Another group's ticket replaces a live session only when the user confirmed it.
      expect((await exchange(browser, second.ticket)).status).toBe(409);
      expect(browser.cookies.get("agent_session")).toBe(firstCookie);
      await outcome(
        browser.trpc.session.exchange.mutate({ ticket: second.ticket, confirmReplace: true }),
      );
      expect(browser.cookies.get("agent_session")).not.toBe(firstCookie);
      expect(await current(browser)).toMatchObject({ contextGroup: "workspace:2:user:1" });

      const oldTab = new CookieClient(server.url);
      oldTab.cookies.set("agent_session", firstCookie);
      expect(await current(oldTab)).toBeNull();
    });

    it("ends the session on session.end and clears the cookie", async () => {
      const { ticket } = await staticTicket(server);
      const browser = new CookieClient(server.url);
      await exchange(browser, ticket);
      const token = browser.cookies.get("agent_session")!;
      // The cleared cookie is the point: raw HTTP.
      const response = await browser.mutation("session.end");
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie()[0]).toMatch(/^agent_session=; .*Max-Age=0/);
      expect(browser.cookies.has("agent_session")).toBe(false);
      const replay = new CookieClient(server.url);
      replay.cookies.set("agent_session", token);
      expect(await current(replay)).toBeNull();
    });

    it("stores no raw ticket, session token or API key", async () => {
      const { key } = await createApiKey(server.db, "secret-check");
      const minted = (await (await postTicket(server, key, staticRequest)).json()) as {
        ticket: string;
      };
      const browser = new CookieClient(server.url);
      await exchange(browser, minted.ticket);
      const token = browser.cookies.get("agent_session")!;
      const dump = await dumpDatabase(server.db);
      for (const secret of [key, minted.ticket, token]) {
        expect(secret.length).toBeGreaterThan(40);
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secret.slice(4)); // nor without its prefix
      }
    });
  });

  describe("ticket rules", () => {
    let key: string;
    beforeAll(async () => {
      key = (await createApiKey(server.db, "rules")).key;
    });

    async function refused(body: unknown) {
      const response = await postTicket(server, key, body);
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string; message: string } },
      };
    }

    it.each([
      [
        "missing for static",
        { context_group: undefined },
        "context_group is required for static sessions",
      ],
      ["null for static", { context_group: null }, "context_group is required for static sessions"],
      ["empty", { context_group: "" }, "context_group is empty"],
      ["whitespace only", { context_group: "   " }, "context_group is empty"],
      [
        "over 256 characters",
        { context_group: `workspace:${"1".repeat(120)}:user:${"2".repeat(130)}` },
        "longer than 256",
      ],
      ["a bare word", { context_group: "global" }, "segment:value pairs"],
      ["a dangling segment", { context_group: "workspace:42:user" }, "segment:value pairs"],
      ["an empty value", { context_group: "workspace::user:7" }, "segment:value pairs"],
      ["inner whitespace", { context_group: "workspace:4 2" }, "segment:value pairs"],
      ["surrounding whitespace", { context_group: " workspace:42 " }, "segment:value pairs"],
      ["a wildcard", { context_group: "workspace:*" }, "segment:value pairs"],
      ["given for signin", { agent_session_identifier: "signin" }, "must be left out for signin"],
      [
        "an unknown agent, named",
        { agent_ids: ["test-assistant", "ghost-agent"] },
        "unknown agent id: ghost-agent",
      ],
      ["no agents", { agent_ids: [] }, "agent_ids must name at least one agent"],
      ["expires_in below 30 s", { expires_in: 29 }, "expires_in must be between 30 and 86400"],
      ["expires_in above 24 h", { expires_in: 86_401 }, "expires_in must be between 30 and 86400"],
    ])("refuses a context group or setting that is %s with 422", async (_name, change, message) => {
      const before = await dumpDatabase(server.db);
      const { status, body } = await refused({ ...staticRequest, ...change });
      expect(status).toBe(422);
      expect(body.error.code).toBe("unprocessable_request");
      expect(body.error.message).toContain(message);
      expect((await dumpDatabase(server.db)).replace(/"last_used_at":(\d+|null)/g, "")).toBe(
        before.replace(/"last_used_at":(\d+|null)/g, ""),
      );
    });

    it.each([
      "workspace:42:user:7",
      "org:acme",
      "tenant:t_1:project:p-2.x:user:u@example.com",
      `workspace:${"9".repeat(100)}`,
    ])("accepts the well-formed group %s", async (group) => {
      expect(
        (await postTicket(server, key, { ...staticRequest, context_group: group })).status,
      ).toBe(201);
    });

    it("accepts a signin ticket without a group, and expires_in at both bounds", async () => {
      const signin = {
        ...staticRequest,
        agent_session_identifier: "signin",
        context_group: undefined,
      };
      expect((await postTicket(server, key, signin)).status).toBe(201);
      expect((await postTicket(server, key, { ...staticRequest, expires_in: 30 })).status).toBe(
        201,
      );
      expect((await postTicket(server, key, { ...staticRequest, expires_in: 86_400 })).status).toBe(
        201,
      );
    });

    it("follows a configured context group format", async () => {
      const custom = await startTestServer({
        config: { publicUrl: "https://app.example.com", contextGroupPattern: /^team-\d+$/ },
      });
      try {
        const { key: customKey } = await createApiKey(custom.db, "custom");
        expect(
          (await postTicket(custom, customKey, { ...staticRequest, context_group: "team-7" }))
            .status,
        ).toBe(201);
        expect((await postTicket(custom, customKey, staticRequest)).status).toBe(422);
      } finally {
        await custom.close();
      }
    });
  });

  describe("REST errors", () => {
    it("answers every failure with its status and { error: { code, message }, code, message }", async () => {
      const { key } = await createApiKey(server.db, "errors");
      const revoked = await createApiKey(server.db, "revoked");
      await revokeApiKey(server.db, revoked.id);

      const cases: [string, Promise<Response>, number, string, RegExp][] = [
        ["no key", postTicket(server, null, staticRequest), 401, "unauthorized", /missing API key/],
        [
          "a wrong key",
          postTicket(server, "aak_wrong", staticRequest),
          401,
          "unauthorized",
          /invalid API key/,
        ],
        [
          "a revoked key",
          postTicket(server, revoked.key, staticRequest),
          403,
          "forbidden",
          /revoked/,
        ],
        [
          "broken JSON",
          postTicket(server, key, "{ticket_type:"),
          400,
          "invalid_json",
          /not valid JSON/,
        ],
        [
          "a wrong type",
          postTicket(server, key, { ...staticRequest, agent_ids: "test-assistant" }),
          400,
          "invalid_request",
          /^agent_ids: /,
        ],
        [
          "a wrong ticket_type",
          postTicket(server, key, { ...staticRequest, ticket_type: "sign_in" }),
          400,
          "invalid_request",
          /^ticket_type: /,
        ],
        [
          "a wrong session type",
          postTicket(server, key, { ...staticRequest, agent_session_identifier: "global" }),
          400,
          "invalid_request",
          /^agent_session_identifier: /,
        ],
        ["not an object", postTicket(server, key, "[1,2]"), 400, "invalid_request", /body: /],
        [
          "a meaningless value",
          postTicket(server, key, { ...staticRequest, agent_ids: ["nope"] }),
          422,
          "unprocessable_request",
          /unknown agent id: nope/,
        ],
        [
          "a wrong content type",
          fetch(`${server.url}/session/tickets`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "text/plain" },
            body: JSON.stringify(staticRequest),
          }),
          415,
          "unsupported_media_type",
          /Content-Type: application\/json/,
        ],
        [
          "a huge body",
          postTicket(server, key, { ...staticRequest, padding: "x".repeat(70_000) }),
          413,
          "payload_too_large",
          /over 65536 bytes/,
        ],
        [
          "a request from a foreign origin",
          fetch(`${server.url}/session/tickets`, {
            method: "POST",
            headers: {
              authorization: `Bearer ${key}`,
              "content-type": "application/json",
              origin: "https://evil.example",
            },
            body: JSON.stringify(staticRequest),
          }),
          403,
          "forbidden",
          /^cross-origin request refused/,
        ],
      ];
      for (const [name, request, status, code, message] of cases) {
        const response = await request;
        const body = (await response.json()) as {
          error: { code: string; message: string };
          code: string;
          message: string;
        };
        // Wacht's backend client reads the top-level message (and code); our SDK reads `error`.
        expect({ name, status: response.status, body }).toEqual({
          name,
          status,
          body: {
            error: { code, message: expect.stringMatching(message) },
            code,
            message: body.message,
          },
        });
        expect(body.message).toBe(body.error.message);
        // One casing for every code of the route.
        expect(body.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      }
    });

    it("records when a key was last used", async () => {
      const { id, key } = await createApiKey(server.db, "used");
      await postTicket(server, key, staticRequest);
      expect(await value(server.db, "SELECT last_used_at FROM api_key WHERE id = ?", [id])).toBe(
        server.clock.now,
      );
    });
  });

  describe("a page bound to its agent session", () => {
    it("is refused once the browser's cookie names a newer session, and the newer one works", async () => {
      const browser = new CookieClient(server.url);
      const first = await staticTicket(server, "workspace:1:user:1");
      const bound = await browser.trpc.session.exchange.mutate({ ticket: first.ticket });
      const second = await staticTicket(server, "workspace:2:user:1");
      const replacing = await browser.trpc.session.exchange.mutate({
        ticket: second.ticket,
        confirmReplace: true,
      });
      expect(replacing.sessionId).not.toBe(bound.sessionId);

      // The first tab sends the session it was opened with; the shared cookie names the second.
      const firstTab = browser.trpcWith({ "x-agent-session": bound.sessionId });
      expect(await outcome(firstTab.context.list.query({}))).toMatchObject({
        status: 401,
        error: {
          message: expect.stringMatching(/^this agent session was replaced by a newer one/),
        },
      });
      expect(await firstTab.session.current.query()).toBeNull();

      const secondTab = browser.trpcWith({ "x-agent-session": replacing.sessionId });
      expect((await outcome(secondTab.context.list.query({}))).status).toBe(200);
    });
  });
});
