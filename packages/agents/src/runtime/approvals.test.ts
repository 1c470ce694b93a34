import { all, closeDatabase, column, get, type openDatabase, value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  AGENT,
  eventsUntil,
  runFinished,
  runWaiting,
  setup,
  teardown,
  textOf,
} from "../../test/harness.ts";
import type { AgentRuntime, AgentScope, ToolCallPart } from "../index.ts";

describeEachDialect("approvals", () => {
  afterEach(teardown);

  const RETRY = "Please retry the failed deliveries";

  async function markedForRetry(db: ReturnType<typeof openDatabase>): Promise<number> {
    return (await value<number>(
      db,
      "SELECT count(*) FROM fixture_delivery WHERE retry_requested_at IS NOT NULL",
    ))!;
  }

  async function toolCall(runtime: AgentRuntime, scope: AgentScope, contextId: string) {
    const { items } = await runtime.listMessages(scope, contextId, { limit: 10 });
    const assistant = items.at(-1)!;
    return {
      call: assistant.parts.find((p): p is ToolCallPart => p.type === "tool-call")!,
      text: textOf(assistant),
    };
  }

  /** Sends `text` and waits for the run to pause; returns the pending call. */
  async function sendAndWait(
    runtime: AgentRuntime,
    scope: AgentScope,
    contextId: string,
    text: string,
  ) {
    const sent = await runtime.send(scope, contextId, { text });
    const events = await eventsUntil(runtime, scope, contextId, (event) =>
      ["run.waiting", "run.finished"].includes(event.type),
    );
    return { sent, last: events.at(-1)!.event };
  }

  describe("tool approval", () => {
    it("pauses before a tool that needs approval; allow once runs it and the run completes", async () => {
      const { runtime, scope, db } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { sent, last } = await sendAndWait(runtime, scope, context.id, RETRY);
      expect(last).toMatchObject({
        type: "run.waiting",
        reason: "approval",
        toolName: "retryFailedDeliveries",
        runId: sent.runId,
      });
      expect(await runtime.getContext(scope, context.id)).toMatchObject({
        status: "waiting_for_approval",
      });
      expect((await toolCall(runtime, scope, context.id)).call.state).toBe("awaiting-approval");
      expect(await markedForRetry(db)).toBe(0);
      await expect(runtime.send(scope, context.id, { text: "hello" })).rejects.toMatchObject({
        code: "CONFLICT",
      });

      const toolCallId = (last as { toolCallId: string }).toolCallId;
      await expect(
        runtime.respondToApproval(scope, context.id, {
          toolCallId: "call_unknown",
          decision: "allow_once",
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      // Two answers at once (two tabs): one resumes the run, the other is told it came late.
      // Either may win (on PostgreSQL their transactions race), so both allow.
      const answers = await Promise.allSettled([
        runtime.respondToApproval(scope, context.id, { toolCallId, decision: "allow_once" }),
        runtime.respondToApproval(scope, context.id, { toolCallId, decision: "allow_once" }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual(["fulfilled", "rejected"]);
      const late = answers.find((answer) => answer.status === "rejected") as PromiseRejectedResult;
      expect(late.reason).toMatchObject({ code: "CONFLICT" });
      await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
      const { call, text } = await toolCall(runtime, scope, context.id);
      expect(call).toMatchObject({ state: "completed", output: { marked: expect.any(Number) } });
      expect(text).toMatch(/^Marked \d+ failed deliveries for retry/);
      // Only this tenant's data was touched.
      const marked = await column(
        db,
        "SELECT DISTINCT context_group FROM fixture_delivery WHERE retry_requested_at IS NOT NULL",
      );
      expect(marked).toEqual([scope.contextGroup]);
      expect(await value(db, "SELECT count(*) FROM tool_grant")).toBe(0);

      // Answering twice is a conflict, not a second run.
      await expect(
        runtime.respondToApproval(scope, context.id, { toolCallId, decision: "allow_once" }),
      ).rejects.toMatchObject({ code: "CONFLICT" });

      // Allow once means once: the next call asks again.
      const again = await sendAndWait(runtime, scope, context.id, RETRY);
      expect(again.last).toMatchObject({ type: "run.waiting", reason: "approval" });
    });

    it("remembers allow always per group, agent and tool, so later calls skip approval", async () => {
      const { runtime, scope, db } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { last } = await sendAndWait(runtime, scope, context.id, RETRY);
      await runtime.respondToApproval(scope, context.id, {
        toolCallId: (last as { toolCallId: string }).toolCallId,
        decision: "allow_always",
      });
      await eventsUntil(runtime, scope, context.id, runFinished());
      expect(await all(db, "SELECT context_group, agent_id, tool_name FROM tool_grant")).toEqual([
        { context_group: scope.contextGroup, agent_id: AGENT, tool_name: "retryFailedDeliveries" },
      ]);

      // Another conversation of the same group: no approval this time.
      const second = await runtime.createContext(scope, { agentId: AGENT });
      const result = await sendAndWait(runtime, scope, second.context.id, RETRY);
      expect(result.last).toMatchObject({ type: "run.finished", status: "completed" });
      const { call } = await toolCall(runtime, scope, second.context.id);
      expect(call.state).toBe("completed");

      // Another group still has to approve.
      const otherScope = { ...scope, contextGroup: "workspace:elsewhere:user:9" };
      const other = await runtime.createContext(otherScope, { agentId: AGENT });
      const otherResult = await sendAndWait(runtime, otherScope, other.context.id, RETRY);
      expect(otherResult.last).toMatchObject({ type: "run.waiting", reason: "approval" });
    });

    it("does not run a denied tool, and the model hears of the denial", async () => {
      const { runtime, scope, db } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { last, sent } = await sendAndWait(runtime, scope, context.id, RETRY);
      await runtime.respondToApproval(scope, context.id, {
        toolCallId: (last as { toolCallId: string }).toolCallId,
        decision: "deny",
      });
      const events = await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
      expect(events.at(-1)!.event).toMatchObject({ status: "completed" });
      const { call, text } = await toolCall(runtime, scope, context.id);
      expect(call).toMatchObject({ state: "denied" });
      expect(call.output).toBeUndefined();
      expect(text).toBe("You declined retry failed deliveries, so I did not run it.");
      expect(await markedForRetry(db)).toBe(0);
    });

    it("resumes after a restart: the conversation is rebuilt from the database", async () => {
      const first = await setup({ restartable: true });
      const { runtime, scope } = first;
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { last, sent } = await sendAndWait(runtime, scope, context.id, RETRY);
      await runtime.close();
      await closeDatabase(first.db);

      const db = first.reopen();
      const restarted = first.restart({ db });
      expect(await restarted.recover()).toEqual({ interruptedRunIds: [] });
      expect(await restarted.getContext(scope, context.id)).toMatchObject({
        status: "waiting_for_approval",
      });
      await restarted.respondToApproval(scope, context.id, {
        toolCallId: (last as { toolCallId: string }).toolCallId,
        decision: "allow_once",
      });
      const events = await eventsUntil(restarted, scope, context.id, runFinished(sent.runId));
      expect(events.at(-1)!.event).toMatchObject({ type: "run.finished", status: "completed" });
      const { call, text } = await toolCall(restarted, scope, context.id);
      expect(call.state).toBe("completed");
      expect(text).toMatch(/^Marked \d+ failed deliveries for retry/);
      expect(await markedForRetry(db)).toBeGreaterThan(0);
      expect(await get(db, "SELECT status, steps FROM run WHERE id = ?", [sent.runId])).toEqual({
        status: "completed",
        steps: 2,
      });
    });

    it("is cancelled with the run, leaving the tool unrun", async () => {
      const { runtime, scope, db } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { sent } = await sendAndWait(runtime, scope, context.id, RETRY);
      expect(await runtime.cancel(scope, context.id)).toEqual({ cancelled: true });
      expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent.runId])).toBe(
        "cancelled",
      );
      expect((await toolCall(runtime, scope, context.id)).call.state).toBe("cancelled");
      expect(await markedForRetry(db)).toBe(0);
    });
  });

  describe("asking the user", () => {
    it("pauses for input, and the answer resumes the run", async () => {
      const { runtime, scope } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { last, sent } = await sendAndWait(runtime, scope, context.id, "Ask me a question");
      expect(last).toMatchObject({
        type: "run.waiting",
        reason: "input",
        toolName: "askUser",
        question: "What would you like me to do next?",
      });
      expect(await runtime.getContext(scope, context.id)).toMatchObject({
        status: "waiting_for_input",
      });
      const toolCallId = (last as { toolCallId: string }).toolCallId;
      await expect(
        runtime.respondToApproval(scope, context.id, { toolCallId, decision: "allow_once" }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      await expect(
        runtime.submitInput(scope, context.id, { toolCallId, value: "  " }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });

      await runtime.submitInput(scope, context.id, { toolCallId, value: "Check the billing hook" });
      await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
      const { call, text } = await toolCall(runtime, scope, context.id);
      expect(call).toEqual({
        type: "tool-call",
        toolCallId,
        toolName: "askUser",
        input: { question: "What would you like me to do next?" },
        state: "completed",
        output: { answer: "Check the billing hook" },
      });
      expect(text).toBe("You answered: Check the billing hook.");
      await expect(
        runtime.submitInput(scope, context.id, { toolCallId, value: "again" }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
    });

    it("waits across a restart too", async () => {
      const first = await setup({ restartable: true });
      const { context } = await first.runtime.createContext(first.scope, { agentId: AGENT });
      const { last, sent } = await sendAndWait(
        first.runtime,
        first.scope,
        context.id,
        "Ask me a question",
      );
      await first.runtime.close();
      await closeDatabase(first.db);
      const restarted = first.restart({ db: first.reopen() });
      // Recovery leaves a waiting run waiting: only running ones are interrupted.
      expect(await restarted.recover()).toEqual({ interruptedRunIds: [] });
      expect(await restarted.getContext(first.scope, context.id)).toMatchObject({
        status: "waiting_for_input",
      });
      const toolCallId = (last as { toolCallId: string }).toolCallId;
      await restarted.submitInput(first.scope, context.id, {
        toolCallId,
        value: "Retry the billing hook",
      });
      const events = await eventsUntil(restarted, first.scope, context.id, runFinished(sent.runId));
      expect(events.at(-1)!.event).toMatchObject({ status: "completed" });
      expect(runWaiting(events.at(-1)!.event)).toBe(false);
      // The answer submitted after the restart is the one stored and the one the model heard.
      const { call, text } = await toolCall(restarted, first.scope, context.id);
      expect(call).toMatchObject({
        toolCallId,
        state: "completed",
        output: { answer: "Retry the billing hook" },
      });
      expect(text).toBe("You answered: Retry the billing hook.");
    });
  });
});
