// Issue #12, should fix: "always allow" answers could not be seen or taken back. grant.list
// shows a session the grants of its own group and agents; grant.revoke takes one back (the tool
// asks again), and refuses with NOT_FOUND anything outside the session's group or agents.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { grantTool, hasToolGrant } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  agentBrowser,
  type CookieClient,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";

const GROUP = "team:grants:user:1";
const AGENT = TEST_AGENT;
let server: TestServer;
let owner: CookieClient;
let intruder: CookieClient;

beforeAll(async () => {
  server = await startTestServer();
  owner = await agentBrowser(server, GROUP);
  intruder = await agentBrowser(server, "team:other:user:2");
  const now = server.clock.now;
  grantTool(
    server.db,
    { contextGroup: GROUP, agentId: AGENT, toolName: "retryFailedDeliveries" },
    now,
  );
  grantTool(server.db, { contextGroup: GROUP, agentId: "other-agent", toolName: "deleteAll" }, now);
  grantTool(
    server.db,
    { contextGroup: "team:other:user:2", agentId: AGENT, toolName: "getWebhookHealth" },
    now,
  );
});
afterAll(() => server.close());

const list = async (browser: CookieClient) =>
  trpcResult<{ agentId: string; toolName: string; agentName: string }[]>(
    await browser.query("grant.list"),
  );

it("lists only the session's own group and agents", async () => {
  expect(await list(owner)).toMatchObject({
    status: 200,
    data: [{ agentId: AGENT, toolName: "retryFailedDeliveries", agentName: "Test assistant" }],
  });
  expect((await list(intruder)).data).toEqual([
    expect.objectContaining({ agentId: AGENT, toolName: "getWebhookHealth" }),
  ]);
});

it("refuses to revoke another group's or another agent's grant, changing nothing", async () => {
  const foreign = await trpcResult(
    await intruder.mutation("grant.revoke", { agentId: AGENT, toolName: "retryFailedDeliveries" }),
  );
  expect(foreign).toMatchObject({ status: 404, error: { code: "NOT_FOUND" } });
  const otherAgent = await trpcResult(
    await owner.mutation("grant.revoke", { agentId: "other-agent", toolName: "deleteAll" }),
  );
  expect(otherAgent).toMatchObject({ status: 404 });
  expect(
    hasToolGrant(server.db, {
      contextGroup: GROUP,
      agentId: AGENT,
      toolName: "retryFailedDeliveries",
    }),
  ).toBe(true);
  expect(
    hasToolGrant(server.db, { contextGroup: GROUP, agentId: "other-agent", toolName: "deleteAll" }),
  ).toBe(true);
});

it("revokes the session's own grant, so the tool asks again", async () => {
  const revoked = await owner.mutation("grant.revoke", {
    agentId: AGENT,
    toolName: "retryFailedDeliveries",
  });
  expect(revoked.status).toBe(200);
  expect((await list(owner)).data).toEqual([]);
  expect(
    hasToolGrant(server.db, {
      contextGroup: GROUP,
      agentId: AGENT,
      toolName: "retryFailedDeliveries",
    }),
  ).toBe(false);
  expect((await owner.mutation("grant.revoke", { agentId: AGENT, toolName: "x" })).status).toBe(
    404,
  );
});
