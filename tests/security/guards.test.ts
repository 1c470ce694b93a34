// Guards that each rested on a single test elsewhere, given rows of their own here, over real
// HTTP and SSE as a browser meets them:
// - session binding: a page bound to an agent session that the browser's cookie no longer names
//   is refused on every transport: the x-agent-session header (queries, mutations) and the
//   agentSession connection parameter (event streams, which cannot send headers);
// - stream re-check: an open event stream ends refused once its session dies, however it dies;
// - tool-grant scope: "allow always" holds for its context group, agent and tool, nowhere else;
// - stop on delete: deleting a conversation stops its run, leaves its tool unrun, ends its
//   streams, and nothing of it answers afterwards.
import { createAgentRegistry, defineAgent, type ToolCallPart } from "@agent-access/agents";
import { seedFixture, TEST_AGENT, testAssistant } from "@agent-access/agents/testing";
import { all, value } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentBrowser,
  CookieClient,
  openEvents,
  signinBrowser,
  startTestServer,
  staticTicket,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { type Answer, answerOf, firstStreamAnswer } from "./support/http.ts";
import { settled } from "./support/scenes.ts";

/** The test agent under another id: the same tools, so a grant could be mistaken for its. */
const twin = defineAgent({ ...testAssistant, id: "test-twin", name: "Test twin" });

const RETRY = "Please retry the failed deliveries";
const REPLACED = /^this agent session was replaced by a newer one/;

let server: TestServer;
/** Two context groups, each with the test agent's data. */
let groups: [string, string];

beforeAll(async () => {
  server = await startTestServer({
    agents: createAgentRegistry([testAssistant, twin]),
    // Long replies (5000 words at 2 ms a word) stay running until something stops them.
    tokenDelayMs: 2,
    config: { streamSessionCheckMs: 20 },
  });
  groups = ["tenant:acme:user:7", "tenant:globex:user:7"];
  for (const group of groups) await seedFixture(server.db, group);
});
afterAll(() => server.close());

/** Starts a conversation with `text` and waits until its run stops moving at `status`. */
async function converse(browser: CookieClient, text: string, status: string) {
  const created = await trpcResult<{ context: { id: string }; sent: { runId: string } }>(
    await browser.mutation("context.create", { firstMessage: text }),
  );
  if (!created.data) throw new Error(`context.create failed: ${JSON.stringify(created)}`);
  const { context, sent } = created.data;
  await settled(server.db, context.id, status);
  return { contextId: context.id, runId: sent.runId };
}

async function toolCallOf(runId: string): Promise<ToolCallPart> {
  const parts = JSON.parse(
    (await value<string>(server.db, "SELECT parts FROM message WHERE run_id = ?", [runId]))!,
  ) as ToolCallPart[];
  return parts.find((part) => part.type === "tool-call")!;
}

async function runStatus(runId: string): Promise<string> {
  return (await value<string>(server.db, "SELECT status FROM run WHERE id = ?", [runId]))!;
}

const markedForRetry = async () =>
  (await value<number>(
    server.db,
    "SELECT count(*) FROM fixture_delivery WHERE retry_requested_at IS NOT NULL",
  ))!;

describe("session binding", () => {
  it("refuses a page bound to a replaced session on every transport, and serves the current one", async () => {
    const browser = new CookieClient(server.url);
    const exchange = async (ticket: string) =>
      (
        await trpcResult<{ sessionId: string }>(
          await browser.mutation("session.exchange", { ticket }),
        )
      ).data!.sessionId;
    // Two tabs of one browser, the second opened on the same group: the older page's session
    // would reach the very same conversations through the shared cookie.
    const older = await exchange((await staticTicket(server, groups[0])).ticket);
    const newer = await exchange((await staticTicket(server, groups[0])).ticket);
    const { contextId } = await converse(browser, "How healthy are my webhooks?", "idle");
    const title = async () =>
      await value(server.db, "SELECT title FROM context WHERE id = ?", [contextId]);
    const titleBefore = await title();

    const asPage = (sessionId: string) => ({
      query: async () =>
        answerOf(
          await browser.fetch(`/trpc/context.list?input=${encodeURIComponent("{}")}`, {
            headers: { "x-agent-session": sessionId },
          }),
        ),
      mutation: async () =>
        answerOf(
          await browser.fetch("/trpc/context.rename", {
            method: "POST",
            headers: { "content-type": "application/json", "x-agent-session": sessionId },
            body: JSON.stringify({ contextId, title: `Renamed by ${sessionId}` }),
          }),
        ),
      // As httpSubscriptionLink sends connectionParams: JSON in the query string.
      subscription: async () => {
        const controller = new AbortController();
        const search = new URLSearchParams({
          input: JSON.stringify({ contextId }),
          connectionParams: JSON.stringify({ agentSession: sessionId }),
        });
        const response = await browser.fetch(`/trpc/context.events?${search}`, {
          signal: controller.signal,
          headers: { accept: "text/event-stream" },
        });
        return firstStreamAnswer(response, () => controller.abort());
      },
    });

    const refused: Answer = { status: 401, code: "UNAUTHORIZED" };
    const page = asPage(older);
    expect(await page.query()).toEqual(refused);
    expect(await page.mutation()).toEqual(refused);
    expect(await page.subscription()).toEqual(refused);
    expect(await title()).toBe(titleBefore);
    const message = await browser.fetch(`/trpc/context.list?input=${encodeURIComponent("{}")}`, {
      headers: { "x-agent-session": older },
    });
    expect((await trpcResult(message)).error?.message).toMatch(REPLACED);

    // The page of the newer session, on the same transports: served.
    const current = asPage(newer);
    expect(await current.query()).toEqual({ status: 200, code: null });
    expect(await current.subscription()).toEqual({ status: 200, code: null });
    expect(await current.mutation()).toEqual({ status: 200, code: null });
    expect(await title()).toBe(`Renamed by ${newer}`);
  });
});

describe("stream re-check", () => {
  /** Ways an agent session dies while a page follows a conversation. */
  const endings: [string, (browser: CookieClient) => Promise<unknown>][] = [
    [
      "replaced by a newer exchange",
      async (browser) =>
        browser.mutation("session.exchange", {
          ticket: (await staticTicket(server, groups[0])).ticket,
        }),
    ],
    ["ended by session.end", (browser) => browser.mutation("session.end")],
    ["expired", async () => server.clock.advance(31 * 60_000)],
    ["signed out (a signin session)", (browser) => browser.mutation("auth.signOut")],
    [
      "signed out everywhere (a signin session)",
      (browser) => browser.mutation("auth.signOutEverywhere"),
    ],
  ];

  /** A browser with a fresh session: signed in with a signin session for the sign-out rows. */
  async function browserFor(ending: string): Promise<CookieClient> {
    if (!ending.includes("signin")) return agentBrowser(server, groups[0]);
    // Sign-ups are limited per IP: every row starts with a full bucket.
    server.clock.advance(5 * 60_000);
    return (await signinBrowser(server)).browser;
  }

  it.each(endings)(
    "ends an open stream with UNAUTHORIZED once its session is %s",
    async (ending, end) => {
      const browser = await browserFor(ending);
      const { contextId } = await converse(browser, "How healthy are my webhooks?", "idle");
      const stream = await openEvents(browser, contextId);
      expect(stream.status).toBe(200);
      await stream.until("run.finished");
      await end(browser);
      // Events already on their way may still arrive; then the stream must end refused.
      const drained = (async () => {
        while (await stream.next(10_000)) {}
        return "ended without a refusal";
      })();
      await expect(drained).rejects.toThrow(/UNAUTHORIZED/);
      stream.close();
    },
  );
});

describe("tool-grant scope", () => {
  it("skips approval after allow always only for the same group, agent and tool", async () => {
    const owner = await agentBrowser(server, groups[0], [TEST_AGENT, "test-twin"]);
    const asked = await converse(owner, RETRY, "waiting_for_approval");
    const { toolCallId } = await toolCallOf(asked.runId);
    const answered = await owner.mutation("context.respondToApproval", {
      contextId: asked.contextId,
      toolCallId,
      decision: "allow_always",
    });
    expect(answered.status).toBe(200);
    await settled(server.db, asked.contextId, "idle");
    expect(
      await all(server.db, "SELECT context_group, agent_id, tool_name FROM tool_grant"),
    ).toEqual([
      {
        context_group: groups[0],
        agent_id: TEST_AGENT,
        tool_name: "retryFailedDeliveries",
      },
    ]);

    // The same group, agent and tool: runs at once.
    const again = await converse(owner, RETRY, "idle");
    expect((await toolCallOf(again.runId)).state).toBe("completed");

    // Another agent with the same tool, in the same group: asks.
    const created = await trpcResult<{ context: { id: string }; sent: { runId: string } }>(
      await owner.mutation("context.create", { agentId: "test-twin", firstMessage: RETRY }),
    );
    await settled(server.db, created.data!.context.id, "waiting_for_approval");
    expect((await toolCallOf(created.data!.sent.runId)).state).toBe("awaiting-approval");

    // The same agent and tool in another group: asks.
    const neighbour = await agentBrowser(server, groups[1]);
    const elsewhere = await converse(neighbour, RETRY, "waiting_for_approval");
    expect((await toolCallOf(elsewhere.runId)).state).toBe("awaiting-approval");
    expect(await value(server.db, "SELECT count(*) FROM tool_grant")).toBe(1);
  });
});

describe("stop on delete", () => {
  it("stops a running reply, ends its stream, and answers NOT_FOUND afterwards", async () => {
    const browser = await agentBrowser(server, groups[0]);
    const created = await trpcResult<{ context: { id: string }; sent: { runId: string } }>(
      await browser.mutation("context.create", { firstMessage: "stream 5000 words" }),
    );
    const contextId = created.data!.context.id;
    const { runId } = created.data!.sent;
    const stream = await openEvents(browser, contextId);
    for (let deltas = 0; deltas < 3; ) {
      if ((await stream.next())?.data.type === "message.delta") deltas++;
    }

    expect((await browser.mutation("context.delete", { contextId })).status).toBe(200);
    // The deletion answers once the run is recorded stopped.
    expect(await runStatus(runId)).toBe("cancelled");
    // The stream ends (events already sent may still arrive), without an error.
    while (await stream.next(10_000)) {}
    stream.close();
    const text = async () =>
      (await value<string>(
        server.db,
        "SELECT parts FROM message WHERE run_id = ? AND role = 'assistant'",
        [runId],
      ))!;
    const kept = await text();
    expect(kept.split(" ").length).toBeLessThan(5000);
    for (const [kind, path, input] of [
      ["query", "context.get", { contextId }],
      ["query", "context.messages", { contextId }],
      ["mutation", "context.send", { contextId, text: "still there?" }],
    ] as const) {
      const answer = await answerOf(await browser[kind](path, input));
      expect(answer, path).toEqual({ status: 404, code: "NOT_FOUND" });
    }
    expect(await runStatus(runId)).toBe("cancelled");
    expect(await text()).toBe(kept);
  });

  it("cancels a run waiting for approval, leaving its tool unrun and unanswerable", async () => {
    const browser = await agentBrowser(server, groups[1]);
    const before = await markedForRetry();
    const { contextId, runId } = await converse(browser, RETRY, "waiting_for_approval");
    const { toolCallId } = await toolCallOf(runId);

    expect((await browser.mutation("context.delete", { contextId })).status).toBe(200);
    expect(await runStatus(runId)).toBe("cancelled");
    expect((await toolCallOf(runId)).state).toBe("cancelled");
    const answer = await answerOf(
      await browser.mutation("context.respondToApproval", {
        contextId,
        toolCallId,
        decision: "allow_once",
      }),
    );
    expect(answer).toEqual({ status: 404, code: "NOT_FOUND" });
    expect(await runStatus(runId)).toBe("cancelled");
    expect(await markedForRetry()).toBe(before);
  });
});
