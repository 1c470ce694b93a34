// The context router's actions on a finished turn, by caller: edit and resend, feedback, and how
// a failed reply reads; with their bounds (the comment's length, the message and run quotas).
import { run, value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, type TestApi, type TestBrowser } from "../../test/callers.ts";
import { AgentLimits } from "../limits.ts";

let api: TestApi;

/** Follows the context's events until its run `runId` finished. */
async function finished(browser: TestBrowser, contextId: string, runId: string) {
  for await (const event of await browser.caller.context.events({ contextId })) {
    const [, data] = event as unknown as [string, { type: string; runId?: string }];
    if (data.type === "run.finished" && data.runId === runId) return;
  }
}

async function turn(browser: TestBrowser, firstMessage: string) {
  const { context, sent } = await browser.caller.context.create({ firstMessage });
  await finished(browser, context.id, sent!.runId);
  return { contextId: context.id, sent: sent! };
}

describeEachDialect("context turns", (suite) => {
  beforeEach(async () => {
    api = await createTestApi();
  });
  afterEach(() => api.close());

  describe("admission", () => {
    // The run limits' read goes out while the rates are taken. A read that fails while the take
    // is still out must be met where it is awaited (the send fails and gives its rates back),
    // not left as an unhandled rejection, which ends the process. On PostgreSQL the two wait on
    // the network at once; on SQLite they settle in one turn of the event loop.
    it.runIf(suite.dialect === "postgres")(
      "answers a send whose run-limit read fails with an error, and gives its rates back",
      async () => {
        api.deps.limits = new AgentLimits(api.db, { messagesPerMinutePerSession: 1 });
        const browser = await api.agentBrowser("workspace:1:user:1");
        const { context } = await browser.caller.context.create({});
        await run(api.db, "ALTER TABLE context RENAME TO context_away");
        try {
          await expect(
            browser.caller.context.send({ contextId: context.id, text: "hello" }),
          ).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
        } finally {
          await run(api.db, "ALTER TABLE context_away RENAME TO context");
        }
        const sent = await browser.caller.context.send({ contextId: context.id, text: "hello" });
        await finished(browser, context.id, sent.runId);
      },
    );
  });

  describe("editMessage", () => {
    it("replaces the last turn and answers the new text", async () => {
      const browser = await api.agentBrowser("workspace:1:user:1");
      const { contextId, sent } = await turn(browser, "hello");
      const edited = await browser.caller.context.editMessage({
        contextId,
        messageId: sent.messageId,
        text: "How healthy are my webhooks?",
      });
      await finished(browser, contextId, edited.runId);
      const { items } = await browser.caller.context.messages({ contextId });
      expect(items.map((m) => [m.id, m.role])).toEqual([
        [edited.messageId, "user"],
        [expect.any(String), "assistant"],
      ]);
      expect(items[0]!.parts).toEqual([{ type: "text", text: "How healthy are my webhooks?" }]);
    });

    it("counts as a message and a run against the session's quotas", async () => {
      api.deps.limits = new AgentLimits(api.db, { messagesPerMinutePerSession: 2 });
      const browser = await api.agentBrowser("workspace:1:user:1");
      const { contextId, sent } = await turn(browser, "hello");
      const edited = await browser.caller.context.editMessage({
        contextId,
        messageId: sent.messageId,
        text: "hello again",
      });
      await finished(browser, contextId, edited.runId);
      await expect(
        browser.caller.context.editMessage({ contextId, messageId: edited.messageId, text: "no" }),
      ).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
      const { items } = await browser.caller.context.messages({ contextId });
      expect(items[0]!.id).toBe(edited.messageId);
    });
  });

  describe("setFeedback", () => {
    it("rates a reply, shows it with the messages, and takes it back", async () => {
      const browser = await api.agentBrowser("workspace:1:user:1");
      const { contextId } = await turn(browser, "hello");
      const reply = (await browser.caller.context.messages({ contextId })).items[1]!;
      await expect(
        browser.caller.context.setFeedback({
          contextId,
          messageId: reply.id,
          rating: "bad",
          comment: "It only repeated me.",
        }),
      ).resolves.toEqual({ feedback: { rating: "bad", comment: "It only repeated me." } });
      const rated = (await browser.caller.context.messages({ contextId })).items[1]!;
      expect(rated.feedback).toEqual({ rating: "bad", comment: "It only repeated me." });
      await browser.caller.context.setFeedback({ contextId, messageId: reply.id, rating: null });
      expect((await browser.caller.context.messages({ contextId })).items[1]!.feedback).toBeNull();
    });

    it("takes at most so many ratings a minute per session", async () => {
      api.deps.limits = new AgentLimits(api.db, { feedbackPerMinutePerSession: 2 });
      const browser = await api.agentBrowser("workspace:1:user:1");
      const { contextId } = await turn(browser, "hello");
      const reply = (await browser.caller.context.messages({ contextId })).items[1]!;
      const rate = (rating: "good" | "bad" | null) =>
        browser.caller.context.setFeedback({ contextId, messageId: reply.id, rating });
      await rate("good");
      await rate(null);
      await expect(rate("bad")).rejects.toMatchObject({
        code: "TOO_MANY_REQUESTS",
        message: expect.stringMatching(/at most 2 ratings per minute in this agent session/),
      });
      expect((await browser.caller.context.messages({ contextId })).items[1]!.feedback).toBeNull();
      api.clock.advance(30_000);
      await expect(rate("bad")).resolves.toEqual({ feedback: { rating: "bad", comment: null } });
    });

    it("refuses a comment over 2,000 characters before anything is stored", async () => {
      const browser = await api.agentBrowser("workspace:1:user:1");
      const { contextId } = await turn(browser, "hello");
      const reply = (await browser.caller.context.messages({ contextId })).items[1]!;
      await expect(
        browser.caller.context.setFeedback({
          contextId,
          messageId: reply.id,
          rating: "good",
          comment: "x".repeat(2_001),
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      expect(Number(await value(api.db, "SELECT count(*) FROM message_feedback"))).toBe(0);
    });
  });

  describe("a failed reply", () => {
    it("reads as failed, with the reason the user may see, until a retry replaces it", async () => {
      const browser = await api.agentBrowser("workspace:1:user:1");
      const { contextId } = await turn(browser, "fail once");
      const failed = (await browser.caller.context.messages({ contextId })).items[1]!;
      expect(failed.outcome).toEqual({
        status: "failed",
        error: expect.stringMatching(/^The reply failed \(reference err_/),
      });
      const retried = await browser.caller.context.regenerate({ contextId });
      await finished(browser, contextId, retried.runId);
      const after = (await browser.caller.context.messages({ contextId })).items[1]!;
      expect(after.outcome).toEqual({ status: "completed", error: null });
    });
  });
});
