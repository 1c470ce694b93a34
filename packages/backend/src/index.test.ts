// The SDK end to end against the real server on a random port.
import { createApiKey, revokeApiKey } from "@agent-access/db";
import { CookieClient, startTestServer, type TestServer } from "@agent-access/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAccessClient, AgentAccessError } from "./index.ts";

let server: TestServer;
let apiKey: string;
beforeAll(async () => {
  server = await startTestServer();
  apiKey = createApiKey(server.db, "sdk").key;
});
afterAll(() => server.close());

async function rejection(promise: Promise<unknown>): Promise<AgentAccessError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AgentAccessError);
  return error as AgentAccessError;
}

describe("AgentAccessClient", () => {
  it("mints a static ticket that a browser can exchange", async () => {
    const client = new AgentAccessClient({ apiKey, baseUrl: `${server.url}/` });
    const ticket = await client.tickets.createAgentAccess({
      agentIds: ["test-assistant"],
      sessionType: "static",
      contextGroup: "workspace:42:user:7",
      expiresIn: 120,
    });
    expect(ticket).toEqual({
      ticket: expect.stringMatching(/^aat_/),
      expiresAt: server.clock.now + 120_000,
      url: `http://localhost/vanity/agents?ticket=${ticket.ticket}`,
    });
    const browser = new CookieClient(server.url);
    const exchanged = await browser.mutation("session.exchange", { ticket: ticket.ticket });
    expect(exchanged.status).toBe(200);
  });

  it("carries host context into the session, and refuses more than 8 KB with 413", async () => {
    const client = new AgentAccessClient({ apiKey, baseUrl: server.url });
    const ticket = await client.tickets.createAgentAccess({
      agentIds: ["test-assistant"],
      sessionType: "static",
      contextGroup: "workspace:42:user:7",
      context: { userName: "Ada", workspaceName: "Engines" },
    });
    const browser = new CookieClient(server.url);
    const exchanged = await browser.mutation("session.exchange", { ticket: ticket.ticket });
    const body = (await exchanged.json()) as { result: { data: { hostContext: unknown } } };
    expect(body.result.data.hostContext).toEqual({ userName: "Ada", workspaceName: "Engines" });

    const tooLarge = await rejection(
      client.tickets.createAgentAccess({
        agentIds: ["test-assistant"],
        sessionType: "static",
        contextGroup: "workspace:42:user:7",
        context: { notes: "x".repeat(9000) },
      }),
    );
    expect(tooLarge).toMatchObject({ status: 413, code: "payload_too_large" });
  });

  it("carries ui settings and a return URL into the session, and refuses bad ones", async () => {
    const client = new AgentAccessClient({ apiKey, baseUrl: server.url });
    const ticket = await client.tickets.createAgentAccess({
      agentIds: ["test-assistant"],
      sessionType: "static",
      contextGroup: "workspace:42:user:7",
      ui: { accentColor: "#0f766e", colorScheme: "dark", locale: "de" },
      returnUrl: "http://localhost/app",
    });
    const browser = new CookieClient(server.url);
    const exchanged = await browser.mutation("session.exchange", { ticket: ticket.ticket });
    const body = (await exchanged.json()) as {
      result: { data: { ui: unknown; returnUrl: unknown } };
    };
    expect(body.result.data.ui).toEqual({
      accentColor: "#0f766e",
      colorScheme: "dark",
      locale: "de",
    });
    expect(body.result.data.returnUrl).toBe("http://localhost/app");

    const badUi = await rejection(
      client.tickets.createAgentAccess({
        agentIds: ["test-assistant"],
        sessionType: "static",
        contextGroup: "workspace:42:user:7",
        ui: { radius: 99 },
      }),
    );
    expect(badUi).toMatchObject({ status: 400, code: "invalid_request" });
    const offSite = await rejection(
      client.tickets.createAgentAccess({
        agentIds: ["test-assistant"],
        sessionType: "static",
        contextGroup: "workspace:42:user:7",
        returnUrl: "https://evil.example/",
      }),
    );
    expect(offSite).toMatchObject({ status: 422, code: "unprocessable_request" });
  });

  it("mints a signin ticket, and posts raw bodies as on the reference page", async () => {
    const client = new AgentAccessClient({ apiKey, baseUrl: server.url });
    await expect(
      client.tickets.createAgentAccess({
        agentIds: ["test-assistant"],
        sessionType: "signin",
      }),
    ).resolves.toMatchObject({ ticket: expect.stringMatching(/^aat_/) });
    const raw = await client.post<{ ticket: string; expires_at: number }>("/session/tickets", {
      ticket_type: "agent_access",
      agent_ids: ["test-assistant"],
      agent_session_identifier: "static",
      context_group: "workspace:1:user:2",
      expires_in: 60 * 30,
    });
    expect(raw.expires_at).toBe(server.clock.now + 1_800_000);
  });

  it("throws AgentAccessError with the status and code of each refusal", async () => {
    const client = new AgentAccessClient({ apiKey, baseUrl: server.url });
    const unknownAgent = await rejection(
      client.tickets.createAgentAccess({
        agentIds: ["ghost"],
        sessionType: "static",
        contextGroup: "org:1",
      }),
    );
    expect(unknownAgent).toMatchObject({
      status: 422,
      code: "unprocessable_request",
      message: "unknown agent id: ghost",
    });

    const badKey = await rejection(
      new AgentAccessClient({ apiKey: "aak_nope", baseUrl: server.url }).tickets.createAgentAccess({
        agentIds: ["test-assistant"],
        sessionType: "signin",
      }),
    );
    expect(badKey).toMatchObject({ status: 401, code: "unauthorized" });

    const revoked = createApiKey(server.db, "revoked");
    revokeApiKey(server.db, revoked.id);
    const revokedError = await rejection(
      new AgentAccessClient({ apiKey: revoked.key, baseUrl: server.url }).tickets.createAgentAccess(
        {
          agentIds: ["test-assistant"],
          sessionType: "signin",
        },
      ),
    );
    expect(revokedError).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("reports an unreachable server as status 0", async () => {
    const client = new AgentAccessClient({
      apiKey,
      baseUrl: "http://127.0.0.1:9",
      timeoutMs: 2000,
    });
    const error = await rejection(client.post("/session/tickets", {}));
    expect(error).toMatchObject({ status: 0, code: "network_error" });
  });
});
