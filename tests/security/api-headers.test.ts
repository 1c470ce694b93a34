// Issue #12, should fix: API JSON answers carry `X-Content-Type-Options: nosniff` (a browser
// never reads one as a script or a page) and `Cache-Control: no-store` (no shared or browser
// cache keeps a user's data or a ticket) on successes and refusals alike.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { createApiKey } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  agentBrowser,
  type CookieClient,
  postTicket,
  startTestServer,
  type TestServer,
} from "../../apps/server/test/harness.ts";

let server: TestServer;
let browser: CookieClient;
let apiKey: string;
beforeAll(async () => {
  server = await startTestServer();
  browser = await agentBrowser(server, "team:headers");
  apiKey = createApiKey(server.db, "headers").key;
});
afterAll(() => server.close());

it("sends nosniff and no-store on every kind of API answer", async () => {
  const batch = Array.from({ length: 11 }, () => "health").join(",");
  const answers: [string, Response][] = [
    ["query", await browser.query("context.list", {})],
    ["mutation", await browser.mutation("context.create", { title: "headers" })],
    ["refused query", await fetch(`${server.url}/trpc/context.list?input=%7B%7D`)],
    ["bad input", await browser.mutation("context.create", { title: 5 })],
    ["oversized batch", await fetch(`${server.url}/trpc/${batch}?batch=1&input=%7B%7D`)],
    [
      "REST ticket",
      await postTicket(server, apiKey, {
        ticket_type: "agent_access",
        agent_ids: [TEST_AGENT],
        agent_session_identifier: "static",
        context_group: "team:headers",
      }),
    ],
    ["REST refusal", await postTicket(server, null, {})],
    ["health", await fetch(`${server.url}/healthz`)],
  ];
  for (const [what, response] of answers) {
    expect(response.headers.get("content-type"), what).toMatch(/^application\/json/);
    expect(response.headers.get("x-content-type-options"), what).toBe("nosniff");
    expect(response.headers.get("cache-control"), what).toBe("no-store");
  }
});
