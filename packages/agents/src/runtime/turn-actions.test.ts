// What a user does to a finished turn: see how it ended (after a reload too), retry it, edit the
// last message and send it again, rate a reply; and the title the model gives a conversation.
import { value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  AGENT,
  eventsUntil,
  fullLog,
  runFinished,
  setup,
  snapshot,
  teardown,
  textOf,
} from "../../test/harness.ts";
import { SIMULATED_FAILURE } from "../models/builtin.ts";
import type { ContextMessage } from "../types.ts";

afterEach(teardown);

/** A setup whose failures are logged here instead of on stderr. */
async function quietSetup(options: Parameters<typeof setup>[0] = {}) {
  const logged: { reference: string; error: unknown }[] = [];
  const env = await setup({
    ...options,
    logFailure: (reference, error) => logged.push({ reference, error }),
  });
  return { ...env, logged };
}

async function turn(env: Awaited<ReturnType<typeof quietSetup>>, firstMessage: string) {
  const { context, sent } = await env.runtime.createContext(env.scope, {
    agentId: AGENT,
    firstMessage,
  });
  await eventsUntil(env.runtime, env.scope, context.id, runFinished(sent!.runId));
  return { contextId: context.id, sent: sent! };
}

async function messages(env: Awaited<ReturnType<typeof quietSetup>>, contextId: string) {
  return (await env.runtime.listMessages(env.scope, contextId, { limit: 50 })).items;
}

describeEachDialect("turn actions", () => {
  describe("how a reply ended", () => {
    it("keeps a failure on the reply with the user's reason only, and a retry replaces it", async () => {
      const env = await quietSetup();
      const { contextId, sent } = await turn(env, "Please fail once");
      const [, failed] = await messages(env, contextId);
      expect(failed!.outcome).toEqual({
        status: "failed",
        error: expect.stringMatching(/^The reply failed \(reference err_[0-9a-f]{12}\)/),
      });
      // The provider's words (a key, in this simulation) reach the log, never the user.
      expect(JSON.stringify(await fullLog(env.runtime, env.scope, contextId))).not.toContain(
        "sk-builtin",
      );
      expect(env.logged).toHaveLength(1);
      expect(String(env.logged[0]!.error)).toContain(SIMULATED_FAILURE);
      expect(failed!.outcome!.error).toContain(env.logged[0]!.reference);

      const retried = await env.runtime.regenerate(env.scope, contextId);
      expect(retried.messageId).toBe(sent.messageId);
      await eventsUntil(env.runtime, env.scope, contextId, runFinished(retried.runId));
      const after = await messages(env, contextId);
      expect(after.map((m) => m.id)).not.toContain(failed!.id);
      expect(after[1]!.outcome).toEqual({ status: "completed", error: null });
      expect(textOf(after[1])).toMatch(/second try/);
    });

    it("says a stopped reply was stopped, and an interrupted one why", async () => {
      const env = await quietSetup({ tokenDelayMs: 5 });
      const { context, sent } = await env.runtime.createContext(env.scope, {
        agentId: AGENT,
        firstMessage: "stream 5000 words",
      });
      await eventsUntil(env.runtime, env.scope, context.id, (e) => e.type === "message.delta");
      await env.runtime.cancel(env.scope, context.id);
      const [, stopped] = await messages(env, context.id);
      expect(stopped!.outcome).toEqual({ status: "cancelled", error: null });
      expect(sent!.runId).toBe(stopped!.runId);
      expect((await messages(env, context.id))[0]!.outcome).toBeNull();

      const other = await env.runtime.send(env.scope, context.id, { text: "stream 5000 words" });
      await eventsUntil(env.runtime, env.scope, context.id, (e) => e.type === "message.delta");
      await env.runtime.close();
      const restarted = env.restart();
      const listed = await restarted.listMessages(env.scope, context.id, { limit: 10 });
      expect(listed.items.find((m) => m.runId === other.runId)!.outcome).toEqual({
        status: "interrupted",
        error: "The server stopped before the reply was finished; send your message again.",
      });
    });

    it("has no outcome while the run is unfinished", async () => {
      const env = await quietSetup({ tokenDelayMs: 5 });
      const { context } = await env.runtime.createContext(env.scope, {
        agentId: AGENT,
        firstMessage: "stream 5000 words",
      });
      await eventsUntil(env.runtime, env.scope, context.id, (e) => e.type === "message.delta");
      expect((await messages(env, context.id))[1]!.outcome).toBeNull();
      await env.runtime.cancel(env.scope, context.id);
    });
  });

  describe("editing the last message", () => {
    it("replaces that turn with the new text and a new reply; the old turn is gone", async () => {
      const env = await quietSetup();
      const { contextId, sent } = await turn(env, "How healthy are my webhooks?");
      const before = await env.runtime.listMessages(env.scope, contextId, { limit: 50 });
      const edited = await env.runtime.editMessage(env.scope, contextId, {
        messageId: sent.messageId,
        text: "  Ask me a question  ",
      });
      expect(edited.messageId).not.toBe(sent.messageId);
      const events = await eventsUntil(
        env.runtime,
        env.scope,
        contextId,
        (e) => e.type === "run.waiting",
        before.lastEventId,
      );
      expect(events[0]!.event).toEqual({
        type: "messages.removed",
        messageIds: before.items.map((m) => m.id),
      });
      expect(events[1]!.event).toMatchObject({
        type: "message.created",
        message: {
          id: edited.messageId,
          role: "user",
          parts: [{ type: "text", text: "Ask me a question" }],
        },
      });
      const after = await messages(env, contextId);
      expect(after.map((m: ContextMessage) => m.role)).toEqual(["user", "assistant"]);
      expect(after[0]!.id).toBe(edited.messageId);
      expect(after[1]!.runId).toBe(edited.runId);
      await env.runtime.cancel(env.scope, contextId);
    });

    it("takes only the last message the user sent, and not while a run is unfinished", async () => {
      const env = await quietSetup({ tokenDelayMs: 5 });
      const first = await turn(env, "hello");
      const second = await env.runtime.send(env.scope, first.contextId, {
        text: "stream 5000 words",
      });
      const unchanged = await snapshot(env.db);
      await expect(
        env.runtime.editMessage(env.scope, first.contextId, {
          messageId: second.messageId,
          text: "x",
        }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      await env.runtime.cancel(env.scope, first.contextId);
      const stopped = await snapshot(env.db);
      expect(stopped).not.toBe(unchanged);
      await expect(
        env.runtime.editMessage(env.scope, first.contextId, {
          messageId: first.sent.messageId,
          text: "older",
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", message: /Only the last message/ });
      await expect(
        env.runtime.editMessage(env.scope, first.contextId, {
          messageId: second.messageId,
          text: "  ",
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      expect(await snapshot(env.db)).toBe(stopped);
      await expect(
        env.runtime.editMessage(
          { ...env.scope, contextGroup: "workspace:999:user:7" },
          first.contextId,
          {
            messageId: second.messageId,
            text: "mine now",
          },
        ),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    });
  });

  describe("feedback on a reply", () => {
    it("is stored on the reply, changed, taken back, and sent to subscribers", async () => {
      const env = await quietSetup();
      const { contextId } = await turn(env, "hello");
      const [, reply] = await messages(env, contextId);
      const { lastEventId } = await env.runtime.getContext(env.scope, contextId);
      await expect(
        env.runtime.setFeedback(env.scope, contextId, {
          messageId: reply!.id,
          rating: "bad",
          comment: "  It repeated me.  ",
        }),
      ).resolves.toEqual({ feedback: { rating: "bad", comment: "It repeated me." } });
      expect((await messages(env, contextId))[1]!.feedback).toEqual({
        rating: "bad",
        comment: "It repeated me.",
      });
      await env.runtime.setFeedback(env.scope, contextId, { messageId: reply!.id, rating: "good" });
      expect((await messages(env, contextId))[1]!.feedback).toEqual({
        rating: "good",
        comment: null,
      });
      await env.runtime.setFeedback(env.scope, contextId, { messageId: reply!.id, rating: null });
      expect((await messages(env, contextId))[1]!.feedback).toBeNull();
      const events = await eventsUntil(
        env.runtime,
        env.scope,
        contextId,
        (e) => e.type === "message.feedback" && e.feedback === null,
        lastEventId,
      );
      expect(events.map((e) => e.event)).toEqual([
        {
          type: "message.feedback",
          messageId: reply!.id,
          feedback: { rating: "bad", comment: "It repeated me." },
        },
        {
          type: "message.feedback",
          messageId: reply!.id,
          feedback: { rating: "good", comment: null },
        },
        { type: "message.feedback", messageId: reply!.id, feedback: null },
      ]);
    });

    it("refuses a user message, another conversation's reply, and a comment over the limit", async () => {
      const env = await quietSetup();
      const a = await turn(env, "hello");
      const b = await turn(env, "hello again");
      const [userMessage, reply] = await messages(env, a.contextId);
      const unchanged = await snapshot(env.db);
      await expect(
        env.runtime.setFeedback(env.scope, a.contextId, {
          messageId: userMessage!.id,
          rating: "good",
        }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(
        env.runtime.setFeedback(env.scope, b.contextId, { messageId: reply!.id, rating: "good" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(
        env.runtime.setFeedback(
          { ...env.scope, contextGroup: "workspace:999:user:7" },
          a.contextId,
          {
            messageId: reply!.id,
            rating: "good",
          },
        ),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(
        env.runtime.setFeedback(env.scope, a.contextId, {
          messageId: reply!.id,
          rating: "bad",
          comment: "x".repeat(2_001),
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST", message: /longer than 2000/ });
      expect(await snapshot(env.db)).toBe(unchanged);
    });

    it("goes with the reply when the turn is answered again", async () => {
      const env = await quietSetup();
      const { contextId } = await turn(env, "hello");
      const [, reply] = await messages(env, contextId);
      await env.runtime.setFeedback(env.scope, contextId, { messageId: reply!.id, rating: "bad" });
      const again = await env.runtime.regenerate(env.scope, contextId);
      await eventsUntil(env.runtime, env.scope, contextId, runFinished(again.runId));
      expect((await messages(env, contextId))[1]!.feedback).toBeNull();
      expect(Number(await value(env.db, "SELECT count(*) FROM message_feedback"))).toBe(0);
    });
  });

  describe("titles", () => {
    it("are the first message's words at once, then the model's after the first reply", async () => {
      const env = await quietSetup();
      const { context, sent } = await env.runtime.createContext(env.scope, {
        agentId: AGENT,
        firstMessage: "Please retry the failed deliveries",
      });
      expect(context.title).toBe("Please retry the failed deliveries");
      // The run waits for approval: no reply yet, no title from the model.
      await eventsUntil(env.runtime, env.scope, context.id, (e) => e.type === "run.waiting");
      expect((await env.runtime.getContext(env.scope, context.id)).title).toBe(
        "Please retry the failed deliveries",
      );
      const [, reply] = await messages(env, context.id);
      const call = reply!.parts.find((part) => part.type === "tool-call")!;
      await env.runtime.respondToApproval(env.scope, context.id, {
        toolCallId: (call as { toolCallId: string }).toolCallId,
        decision: "deny",
      });
      const events = await eventsUntil(
        env.runtime,
        env.scope,
        context.id,
        runFinished(sent!.runId),
      );
      expect(
        events.some(
          (e) => e.event.type === "context.updated" && e.event.title === "Retry failed deliveries",
        ),
      ).toBe(true);
      expect((await env.runtime.getContext(env.scope, context.id)).title).toBe(
        "Retry failed deliveries",
      );
      // Later replies keep it.
      const next = await env.runtime.send(env.scope, context.id, { text: "hello" });
      await eventsUntil(env.runtime, env.scope, context.id, runFinished(next.runId));
      expect((await env.runtime.getContext(env.scope, context.id)).title).toBe(
        "Retry failed deliveries",
      );
    });

    it("are never the model's once the user named the conversation", async () => {
      const env = await quietSetup({ tokenDelayMs: 2 });
      const named = await turn(env, "x");
      await env.runtime.renameContext(env.scope, named.contextId, { title: "Mine" });
      const again = await env.runtime.regenerate(env.scope, named.contextId);
      await eventsUntil(env.runtime, env.scope, named.contextId, runFinished(again.runId));
      expect((await env.runtime.getContext(env.scope, named.contextId)).title).toBe("Mine");

      const { context } = await env.runtime.createContext(env.scope, { agentId: AGENT });
      const sent = await env.runtime.send(env.scope, context.id, { text: "stream 30 words" });
      // Renamed while the first reply streams: the model's title must not replace it.
      await env.runtime.renameContext(env.scope, context.id, { title: "Renamed mid-reply" });
      await eventsUntil(env.runtime, env.scope, context.id, runFinished(sent.runId));
      expect((await env.runtime.getContext(env.scope, context.id)).title).toBe("Renamed mid-reply");

      const given = await env.runtime.createContext(env.scope, {
        agentId: AGENT,
        title: "Given",
        firstMessage: "hello",
      });
      await eventsUntil(env.runtime, env.scope, given.context.id, runFinished(given.sent!.runId));
      expect((await env.runtime.getContext(env.scope, given.context.id)).title).toBe("Given");
    });

    it("wait for a reply that completed: a failed first reply leaves the message's words", async () => {
      const env = await quietSetup();
      const { contextId } = await turn(env, "Webhooks, fail once please");
      expect((await env.runtime.getContext(env.scope, contextId)).title).toBe(
        "Webhooks, fail once please",
      );
      const retried = await env.runtime.regenerate(env.scope, contextId);
      await eventsUntil(env.runtime, env.scope, contextId, runFinished(retried.runId));
      expect((await env.runtime.getContext(env.scope, contextId)).title).toBe("Webhooks fail once");
    });
  });
});
