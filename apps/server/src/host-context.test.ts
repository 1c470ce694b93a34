// Host context over HTTP: a backend puts a JSON object in the ticket (REST, tRPC; the demo's
// door in examples/workspace-demo/test/demo-ticket.test.ts); the browser's session shows it
// read-only; bounds answer 413 and 422 with messages.
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
  server = await startTestServer();
  apiKey = createApiKey(server.db, "backend").key;
});
afterAll(() => server.close());

const request = {
  ticket_type: "agent_access" as const,
  agent_ids: ["test-assistant"],
  agent_session_identifier: "static",
  context_group: "workspace:42:user:7",
};

async function sessionOf(ticket: string, extra: Record<string, unknown> = {}) {
  const browser = new CookieClient(server.url);
  // `extra` is what a browser might try to add; the typed input has no room for it.
  await browser.trpc.session.exchange.mutate({ ticket, ...extra } as { ticket: string });
  return (await browser.trpc.session.current.query())!;
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i++) value = { inner: value };
  return value;
}

describe("host context in tickets", () => {
  it("travels from a REST ticket to the browser's session, read-only", async () => {
    const context = { userName: "Ada Lovelace", plan: "pro", locale: "en-GB", seats: 3 };
    const minted = await staticTicket(server, "workspace:42:user:7", { context });
    // The browser cannot put its own context in: the exchange takes only the ticket.
    const session = await sessionOf(minted.ticket, { context: { userName: "Mallory" } });
    expect(session.hostContext).toEqual(context);
  });

  it("is {} for a ticket without one", async () => {
    const minted = await staticTicket(server, "workspace:42:user:7");
    expect((await sessionOf(minted.ticket)).hostContext).toEqual({});
  });

  it("over 8 KB is refused with 413 and a message saying what to send", async () => {
    const response = await postTicket(server, apiKey, {
      ...request,
      context: { notes: "x".repeat(8 * 1024) },
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("payload_too_large");
    expect(body.error.message).toMatch(
      /^context is \d+ bytes of JSON, over the 8192-byte limit: send only what the agent needs/,
    );
  });

  it("nested deeper than 8 levels is refused with 422; 8 levels pass", async () => {
    const deep = await postTicket(server, apiKey, { ...request, context: nested(9) });
    expect(deep.status).toBe(422);
    expect(await deep.json()).toMatchObject({
      error: {
        code: "unprocessable_request",
        message: "context nests deeper than 8 levels: send a flatter object",
      },
    });
    const fine = await postTicket(server, apiKey, { ...request, context: nested(8) });
    expect(fine.status).toBe(201);
  });

  it("that is not an object is refused with 400 naming the field", async () => {
    const response = await postTicket(server, apiKey, { ...request, context: ["a"] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/^context: /);
  });

  it("is accepted by ticket.create over tRPC", async () => {
    const backend = new CookieClient(server.url).trpcWith({ authorization: `Bearer ${apiKey}` });
    const { ticket } = await backend.ticket.create.mutate({
      ...request,
      agent_session_identifier: "static",
      context: { role: "admin" },
    });
    expect((await sessionOf(ticket)).hostContext).toEqual({ role: "admin" });
  });
});
