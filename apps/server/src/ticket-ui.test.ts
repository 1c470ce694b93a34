// A ticket's `ui` and `return_url` over HTTP: the backend sets them at mint (REST or tRPC), the
// browser's session reads them back read-only; a bad value is a 4xx naming the field, and a
// refused request stores no ticket.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { createApiKey } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CookieClient,
  postTicket,
  startTestServer,
  staticTicket,
  type TestServer,
} from "../test/harness.ts";

let server: TestServer;
let apiKey: string;
beforeAll(async () => {
  server = await startTestServer({
    config: {
      publicUrl: "https://agents.example.com",
      frameAncestors: ["https://app.example.com"],
    },
  });
  apiKey = createApiKey(server.db, "backend").key;
});
afterAll(() => server.close());

const request = {
  ticket_type: "agent_access" as const,
  agent_ids: [TEST_AGENT],
  agent_session_identifier: "static",
  context_group: "workspace:42:user:7",
};

function ticketCount(): number {
  return server.db.prepare("SELECT count(*) FROM agent_ticket").pluck().get() as number;
}

async function sessionOf(ticket: string) {
  const browser = new CookieClient(server.url);
  await browser.trpc.session.exchange.mutate({ ticket });
  return (await browser.trpc.session.current.query())!;
}

/** Posts a ticket request that must be refused: its status and message; nothing stored. */
async function refused(extra: Record<string, unknown>) {
  const before = ticketCount();
  const response = await postTicket(server, apiKey, { ...request, ...extra });
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(ticketCount()).toBe(before);
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe("ui in tickets", () => {
  it("travels from the ticket to the session, canonicalized, as camelCase", async () => {
    const minted = await staticTicket(server, "workspace:42:user:7", {
      ui: {
        accent_color: "#0F766E",
        radius: 12,
        density: "compact",
        color_scheme: "dark",
        locale: "de-ch",
      },
    });
    expect((await sessionOf(minted.ticket)).ui).toEqual({
      accentColor: "#0f766e",
      radius: 12,
      density: "compact",
      colorScheme: "dark",
      locale: "de-CH",
    });
  });

  it("is {} without one, and keeps only the fields given", async () => {
    expect((await sessionOf((await staticTicket(server)).ticket)).ui).toEqual({});
    const minted = await staticTicket(server, "workspace:42:user:7", { ui: { locale: "fr" } });
    expect((await sessionOf(minted.ticket)).ui).toEqual({ locale: "fr" });
  });

  it.each([
    [{ accent_color: "red" }, /^ui\.accent_color: must be a hex colour such as #0f766e$/],
    [{ accent_color: "#0f766e; background: url(x)" }, /^ui\.accent_color: must be a hex colour/],
    [{ radius: 25 }, /^ui\.radius: /],
    [{ radius: -1 }, /^ui\.radius: /],
    [{ radius: 4.5 }, /^ui\.radius: /],
    [{ density: "cozy" }, /^ui\.density: /],
    [{ color_scheme: "sepia" }, /^ui\.color_scheme: /],
    [{ locale: "not a locale!" }, /^ui\.locale: must be a BCP 47 language tag such as de-CH$/],
    [{ locale: "x".repeat(36) }, /^ui\.locale: /],
    [{ accent_colour: "#000000" }, /^ui: .*accent_colour/],
  ])("%j is refused with 400 naming the field", async (ui, message) => {
    const answer = await refused({ ui });
    expect(answer.status).toBe(400);
    expect(answer.code).toBe("invalid_request");
    expect(answer.message).toMatch(message);
  });

  it("that is not an object is refused with 400", async () => {
    expect((await refused({ ui: "dark" })).status).toBe(400);
  });

  it("is accepted by ticket.create over tRPC", async () => {
    const backend = new CookieClient(server.url).trpcWith({ authorization: `Bearer ${apiKey}` });
    const { ticket } = await backend.ticket.create.mutate({
      ...request,
      agent_session_identifier: "static",
      ui: { color_scheme: "light" },
    });
    expect((await sessionOf(ticket)).ui).toEqual({ colorScheme: "light" });
  });
});

describe("return_url in tickets", () => {
  it("on PUBLIC_URL's origin or a FRAME_ANCESTORS origin reaches the session", async () => {
    for (const url of [
      "https://agents.example.com/app/w/42",
      "https://app.example.com/settings?tab=agents#top",
    ]) {
      const minted = await staticTicket(server, "workspace:42:user:7", { return_url: url });
      expect((await sessionOf(minted.ticket)).returnUrl).toBe(url);
    }
    expect((await sessionOf((await staticTicket(server)).ticket)).returnUrl).toBeNull();
  });

  it.each([
    [
      "https://evil.example.net/app",
      /^return_url must lead to the host app \(https:\/\/agents\.example\.com or https:\/\/app\.example\.com\), not https:\/\/evil\.example\.net/,
    ],
    ["https://app.example.com.evil.net/", /^return_url must lead to the host app/],
    ["http://app.example.com/", /^return_url must use https/],
    ["javascript:alert(1)", /^return_url must use https/],
    ["/app/w/42", /^return_url must be an absolute URL/],
    ["https://user:secret@app.example.com/", /^return_url must not carry a user name/],
  ])("%s is refused with 422 saying why", async (url, message) => {
    const answer = await refused({ return_url: url });
    expect(answer.status).toBe(422);
    expect(answer.code).toBe("unprocessable_request");
    expect(answer.message).toMatch(message);
  });

  it("over 2048 characters is refused with 400", async () => {
    const answer = await refused({ return_url: `https://app.example.com/${"a".repeat(2048)}` });
    expect(answer.status).toBe(400);
    expect(answer.message).toMatch(/^return_url: /);
  });
});

describe("return_url in development", () => {
  it("may be http on localhost, and only there", async () => {
    const local = await startTestServer({ config: { publicUrl: "http://localhost:5173" } });
    try {
      const { key } = createApiKey(local.db, "backend");
      const ok = await postTicket(local, key, {
        ...request,
        return_url: "http://localhost:5173/app",
      });
      expect(ok.status).toBe(201);
      const other = await postTicket(local, key, {
        ...request,
        return_url: "http://localhost:3000/app",
      });
      expect(other.status).toBe(422);
    } finally {
      await local.close();
    }
  });
});
