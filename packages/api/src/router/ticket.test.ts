// The ticket router by caller: ticket.create is for backends with a live API key, and mints what
// the REST door mints (the door's own tests are in apps/server/src/tickets.test.ts).
import { createApiKey, revokeApiKey } from "@agent-access/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../../test/callers.ts";

let api: TestApi;
beforeEach(() => {
  api = createTestApi();
});
afterEach(() => api.close());

const request = {
  ticket_type: "agent_access" as const,
  agent_ids: ["test-assistant"],
  agent_session_identifier: "static" as const,
  context_group: "workspace:42:user:7",
};

describe("ticket router", () => {
  it("mints a ticket for a backend's API key that a browser can exchange once", async () => {
    const minted = await api.backend().ticket.create({ ...request, expires_in: 120 });
    expect(minted).toEqual({
      ticket: expect.stringMatching(/^aat_[\w-]{43}$/),
      expires_at: api.clock.now + 120_000,
      url: `http://localhost:5173/vanity/agents?ticket=${minted.ticket}`,
    });
    const browser = api.browser();
    expect(await browser.caller.session.exchange({ ticket: minted.ticket })).toMatchObject({
      sessionType: "static",
      contextGroup: "workspace:42:user:7",
      expiresAt: minted.expires_at,
    });
    await expect(
      api.browser().caller.session.exchange({ ticket: minted.ticket }),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: expect.stringMatching(/^ticket already used/),
    });
  });

  it("refuses a missing or unknown key as UNAUTHORIZED and a revoked one as FORBIDDEN", async () => {
    const revoked = createApiKey(api.db, "revoked");
    revokeApiKey(api.db, revoked.id);
    const cases: [name: string, headers: Record<string, string>, code: string, message: RegExp][] =
      [
        ["no key", {}, "UNAUTHORIZED", /^missing API key/],
        ["not a bearer", { authorization: "Basic abc" }, "UNAUTHORIZED", /^missing API key/],
        ["an unknown key", { authorization: "Bearer aak_wrong" }, "UNAUTHORIZED", /^invalid/],
        ["a revoked key", { authorization: `Bearer ${revoked.key}` }, "FORBIDDEN", /revoked/],
      ];
    for (const [name, headers, code, message] of cases) {
      const error = await api
        .browser({ headers })
        .caller.ticket.create(request)
        .catch((caught: unknown) => caught);
      expect({ name, error }).toMatchObject({
        name,
        error: { code, message: expect.stringMatching(message) },
      });
    }
    expect(api.db.prepare("SELECT count(*) FROM agent_ticket").pluck().get()).toBe(0);
  });

  it("refuses a request that names an unknown agent with UNPROCESSABLE_CONTENT", async () => {
    await expect(
      api.backend().ticket.create({ ...request, agent_ids: ["ghost-agent"] }),
    ).rejects.toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
      message: expect.stringContaining("unknown agent id: ghost-agent"),
    });
  });
});
