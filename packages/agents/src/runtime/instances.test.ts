// Runs across server instances sharing one database: leases, a dead or stalled instance's runs,
// cancel and answers through another instance, one run per context. A second instance is a
// second runtime: on PostgreSQL with its own pool (`reopen`), on SQLite on the same connection
// (one process; what the heartbeat alone carries there). A dead instance is one whose pool is
// closed: its connections are gone, its heartbeat stops, as after a SIGKILL.
import { closeDatabase, type Db, get, value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  AGENT,
  eventsUntil,
  fullLog,
  runFinished,
  type Setup,
  setup,
  teardown,
  textOf,
} from "../../test/harness.ts";
import type { AgentRuntime, AgentScope, ContextEvent, SequencedEvent } from "../index.ts";
import { INTERRUPTED_ERROR } from "./run-driver.ts";

interface RunState {
  status: string;
  owner: string | null;
  lease_until: number | null;
}

function runState(db: Db, runId: string): Promise<RunState | undefined> {
  return get<RunState>(db, "SELECT status, owner, lease_until FROM run WHERE id = ?", [runId]);
}

const firstDelta = (event: ContextEvent) => event.type === "message.delta";
const idleAgain = (event: ContextEvent) =>
  event.type === "context.updated" && event.status === "idle";

/** The run's end in the log: nothing but the context's update after it, and only one end. */
function expectEndedOnce(log: SequencedEvent[], runId: string, status: string) {
  const ends = log.filter(({ event }) => event.type === "run.finished" && event.runId === runId);
  expect(ends.map(({ event }) => event)).toEqual([expect.objectContaining({ status })]);
  const after = log.slice(log.indexOf(ends[0]!) + 1).map(({ event }) => event.type);
  expect(after).toEqual(["context.updated"]);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
}

describeEachDialect("instances", (suite) => {
  afterEach(teardown);
  const postgres = suite.dialect === "postgres";

  /** A second instance on the setup's database (SQLite: the same connection). */
  function another(env: Setup, options: Parameters<Setup["restart"]>[0] = {}): AgentRuntime {
    return env.restart({ ...options, db: postgres ? env.reopen() : env.db });
  }

  /** An instance that will die: its own pool on PostgreSQL, whose errors it keeps. */
  function mortal(env: Setup, options: Parameters<Setup["restart"]>[0] = {}) {
    const db = env.reopen();
    const errors: unknown[] = [];
    const runtime = env.restart({
      ...options,
      db,
      onError: (error) => errors.push(error),
      logFailure: () => {},
    });
    return { runtime, db, errors, die: () => closeDatabase(db) };
  }

  async function sendAndWait(
    runtime: AgentRuntime,
    scope: AgentScope,
    contextId: string,
    text: string,
  ) {
    const { lastEventId } = await runtime.getContext(scope, contextId);
    const sent = await runtime.send(scope, contextId, { text });
    const events = await eventsUntil(
      runtime,
      scope,
      contextId,
      (event) => ["run.waiting", "run.finished"].includes(event.type),
      lastEventId,
    );
    const last = events.at(-1)!.event;
    expect(last.type).toBe("run.waiting");
    return { sent, toolCallId: (last as { toolCallId: string }).toolCallId };
  }

  describe("cancel", () => {
    it("through B stops the run A drives: A records it cancelled before B's cancel resolves", async () => {
      // PostgreSQL: A hears the request at once; the heartbeat (5 s here) is only the fallback.
      const heartbeat = postgres ? 5_000 : 100;
      const env = await setup({ restartable: true, tokenDelayMs: 20, runHeartbeatMs: heartbeat });
      const { runtime: a, scope, db } = env;
      const b = another(env);
      const { context, sent } = await a.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 3000 words",
      });
      const runId = sent!.runId;
      await eventsUntil(a, scope, context.id, firstDelta);
      const { owner } = (await runState(db, runId))!;

      const started = performance.now();
      expect(await b.cancel(scope, context.id)).toEqual({ cancelled: true });
      if (postgres) expect(performance.now() - started).toBeLessThan(heartbeat);
      // Recorded when cancel resolved, by A (still the owner), holding no lease any more.
      expect(await runState(db, runId)).toEqual({ status: "cancelled", owner, lease_until: null });
      expect(await b.getContext(scope, context.id)).toMatchObject({ status: "idle" });

      // A wrote nothing after the end: the log ends with it, and stays so.
      const log = await fullLog(b, scope, context.id);
      expectEndedOnce(log, runId, "cancelled");
      const { items } = await b.listMessages(scope, context.id, { limit: 10 });
      expect(textOf(items.at(-1)).split(" ").length).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await b.getContext(scope, context.id)).lastEventId).toBe(log.at(-1)!.seq);

      // The conversation goes on, on either instance.
      const next = await b.send(scope, context.id, { text: "hello" });
      await eventsUntil(b, scope, context.id, runFinished(next.runId));
    });

    it.runIf(postgres)(
      "through B of a run whose instance died: B records it cancelled once the lease lapses",
      async () => {
        const env = await setup({ restartable: true, runHeartbeatMs: 60_000 });
        const { runtime: b, scope, db } = env;
        const a = mortal(env, { tokenDelayMs: 60_000, runLeaseMs: 600 });
        const { context, sent } = await a.runtime.createContext(scope, {
          agentId: AGENT,
          firstMessage: "stream 50 words",
        });
        await a.die();
        const started = performance.now();
        expect(await b.cancel(scope, context.id)).toEqual({ cancelled: true });
        expect(performance.now() - started).toBeLessThan(600 + 3_000);
        expect(await runState(db, sent!.runId)).toMatchObject({
          status: "cancelled",
          lease_until: null,
        });
        expectEndedOnce(await fullLog(b, scope, context.id), sent!.runId, "cancelled");
      },
    );

    it("of a waiting run through B records it cancelled at once", async () => {
      const env = await setup({ restartable: true });
      const { runtime: a, scope, db } = env;
      const b = another(env);
      const { context } = await a.createContext(scope, { agentId: AGENT });
      const { sent } = await sendAndWait(a, scope, context.id, "Ask me a question");
      expect(await b.cancel(scope, context.id)).toEqual({ cancelled: true });
      expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent.runId])).toBe(
        "cancelled",
      );
      expect(await b.cancel(scope, context.id)).toEqual({ cancelled: false });
    });
  });

  describe("leases", () => {
    it("are held by running runs only, and released when a run waits or ends", async () => {
      const env = await setup({ restartable: true, tokenDelayMs: 5 });
      const { runtime, scope, db } = env;
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 200 words",
      });
      await eventsUntil(runtime, scope, context.id, firstDelta);
      const running = (await runState(db, sent!.runId))!;
      expect(running.owner).toMatch(/^inst_/);
      expect(running.lease_until).toBeGreaterThan(Date.now() - 1_000);
      await eventsUntil(runtime, scope, context.id, runFinished(sent!.runId));
      expect(await runState(db, sent!.runId)).toEqual({
        status: "completed",
        owner: running.owner,
        lease_until: null,
      });
      const waiting = await sendAndWait(runtime, scope, context.id, "Ask me a question");
      expect(await runState(db, waiting.sent.runId)).toMatchObject({
        status: "waiting_for_input",
        lease_until: null,
      });
    });

    it.runIf(postgres)(
      "of a dead instance lapse: a survivor marks its run interrupted within a lease and a beat, and its streams say so",
      async () => {
        const env = await setup({ restartable: true, runHeartbeatMs: 200 });
        const { runtime: b, scope, db } = env;
        const a = mortal(env, { tokenDelayMs: 60_000, runLeaseMs: 1_000 });
        const { context, sent } = await a.runtime.createContext(scope, {
          agentId: AGENT,
          firstMessage: "stream 50 words",
        });
        const runId = sent!.runId;
        // A stream held by the survivor, opened before the instance dies.
        const { lastEventId } = await b.getContext(scope, context.id);
        const stream = eventsUntil(b, scope, context.id, idleAgain, lastEventId);
        await a.die();
        const died = performance.now();
        const events = (await stream).map(({ event }) => event);
        expect(performance.now() - died).toBeLessThan(1_000 + 200 + 2_000);
        expect(events).toEqual([
          expect.objectContaining({ type: "message.completed" }),
          expect.objectContaining({
            type: "run.finished",
            runId,
            status: "interrupted",
            error: INTERRUPTED_ERROR,
          }),
          expect.objectContaining({ type: "context.updated", status: "idle" }),
        ]);
        expect(await runState(db, runId)).toMatchObject({
          status: "interrupted",
          lease_until: null,
        });
        expectEndedOnce(await fullLog(b, scope, context.id), runId, "interrupted");
        const next = await b.send(scope, context.id, { text: "hello" });
        await eventsUntil(b, scope, context.id, runFinished(next.runId));
      },
    );

    it("of a stalled instance lapse too: once another ended its run, the stalled one writes nothing more", async () => {
      const env = await setup({ restartable: true, runHeartbeatMs: 50 });
      const { runtime: b, scope, db } = env;
      // A renews its lease only with its commits (its heartbeat is far off), and its model is
      // slower than its lease: the lease lapses between two of its words.
      const a = another(env, { tokenDelayMs: 400, runLeaseMs: 150, runHeartbeatMs: 60_000 });
      const { context, sent } = await a.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 5 words",
      });
      const runId = sent!.runId;
      await eventsUntil(b, scope, context.id, runFinished(runId));
      expect(await value(db, "SELECT status FROM run WHERE id = ?", [runId])).toBe("interrupted");
      // A's words come after the lapse: each is refused, and A stops without an error.
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const log = await fullLog(b, scope, context.id);
      expectEndedOnce(log, runId, "interrupted");
      expect(log.some(({ event }) => event.type === "message.delta")).toBe(false);
      expect(await value(db, "SELECT status FROM run WHERE id = ?", [runId])).toBe("interrupted");
    });

    it("leave waiting runs alone: an approval and an answer given through B run on B", async () => {
      const env = await setup({ restartable: true, runLeaseMs: 200, runHeartbeatMs: 50 });
      const { runtime: a, scope, db } = env;
      const b = another(env);
      const { context } = await a.createContext(scope, { agentId: AGENT });

      const approval = await sendAndWait(
        a,
        scope,
        context.id,
        "Please retry the failed deliveries",
      );
      const ownerA = (await runState(db, approval.sent.runId))!.owner;
      // Many leases and sweeps later, still waiting.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await runState(db, approval.sent.runId)).toMatchObject({
        status: "waiting_for_approval",
        lease_until: null,
      });
      await b.respondToApproval(scope, context.id, {
        toolCallId: approval.toolCallId,
        decision: "allow_once",
      });
      await eventsUntil(b, scope, context.id, runFinished(approval.sent.runId));
      const approved = (await runState(db, approval.sent.runId))!;
      expect(approved.status).toBe("completed");
      expect(approved.owner).not.toBe(ownerA);
      const reply = (await b.listMessages(scope, context.id, { limit: 10 })).items.at(-1);
      expect(textOf(reply)).toMatch(/^Marked \d+ failed deliveries for retry/);

      const question = await sendAndWait(a, scope, context.id, "Ask me a question");
      await new Promise((resolve) => setTimeout(resolve, 600));
      await b.submitInput(scope, context.id, {
        toolCallId: question.toolCallId,
        value: "Check the billing hook",
      });
      await eventsUntil(b, scope, context.id, runFinished(question.sent.runId));
      const answered = (await runState(db, question.sent.runId))!;
      expect(answered).toMatchObject({ status: "completed", lease_until: null });
      expect(answered.owner).not.toBe(ownerA);
      const answer = (await b.listMessages(scope, context.id, { limit: 10 })).items.at(-1);
      expect(textOf(answer)).toBe("You answered: Check the billing hook.");
    });

    it.runIf(postgres)(
      "of a waiting run on a dead instance are none: it waits, and an answer through B completes it",
      async () => {
        const env = await setup({ restartable: true, runHeartbeatMs: 50 });
        const { runtime: b, scope, db } = env;
        const a = mortal(env, { runLeaseMs: 200 });
        const { context } = await a.runtime.createContext(scope, { agentId: AGENT });
        const { sent, toolCallId } = await sendAndWait(
          a.runtime,
          scope,
          context.id,
          "Ask me a question",
        );
        await a.die();
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent.runId])).toBe(
          "waiting_for_input",
        );
        await b.submitInput(scope, context.id, { toolCallId, value: "Go on" });
        await eventsUntil(b, scope, context.id, runFinished(sent.runId));
        expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent.runId])).toBe(
          "completed",
        );
      },
    );
  });

  describe("recover", () => {
    it.runIf(postgres)(
      "on PostgreSQL interrupts only runs whose lease lapsed, not those live instances drive",
      async () => {
        const env = await setup({ restartable: true, runHeartbeatMs: 60_000 });
        const { runtime: b, scope, db } = env;
        const a = mortal(env, { tokenDelayMs: 60_000, runLeaseMs: 400 });
        const { context, sent } = await a.runtime.createContext(scope, {
          agentId: AGENT,
          firstMessage: "stream 50 words",
        });
        // A is alive: B starting up leaves its run alone.
        expect(await b.recover()).toEqual({ interruptedRunIds: [] });
        expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent!.runId])).toBe(
          "running",
        );
        await a.die();
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await b.recover()).toEqual({ interruptedRunIds: [sent!.runId] });
        expect(await b.getContext(scope, context.id)).toMatchObject({ status: "idle" });
      },
    );
  });

  describe("one run per context", () => {
    it("across two instances: of sends racing on both, exactly one starts a run, round after round", async () => {
      const env = await setup({ restartable: true });
      const { runtime: a, scope, db } = env;
      const b = another(env);
      for (let round = 0; round < 20; round++) {
        const { context } = await a.createContext(scope, { agentId: AGENT });
        const senders = [a, b, b, a];
        const results = await Promise.allSettled(
          senders.map((runtime) => runtime.send(scope, context.id, { text: "hello" })),
        );
        const won = results.flatMap((result, i) =>
          result.status === "fulfilled" ? [{ runtime: senders[i]!, sent: result.value }] : [],
        );
        expect(won).toHaveLength(1);
        for (const result of results) {
          if (result.status === "rejected")
            expect(result.reason).toMatchObject({ code: "CONFLICT" });
        }
        expect(await value(db, "SELECT count(*) FROM run WHERE context_id = ?", [context.id])).toBe(
          1,
        );
        await eventsUntil(won[0]!.runtime, scope, context.id, runFinished(won[0]!.sent.runId));
      }
      // Twenty whole turns on PostgreSQL: about 4 s on a quiet machine, over 20 s on a loaded one.
    }, 60_000);
  });

  describe("close", () => {
    it("records its running runs interrupted, holding no lease; another instance goes on", async () => {
      const env = await setup({ restartable: true, tokenDelayMs: 5 });
      const { runtime: a, scope, db } = env;
      const b = another(env);
      const { context, sent } = await a.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 3000 words",
      });
      await eventsUntil(a, scope, context.id, firstDelta);
      await a.close();
      expect(await runState(db, sent!.runId)).toMatchObject({
        status: "interrupted",
        lease_until: null,
      });
      expectEndedOnce(await fullLog(b, scope, context.id), sent!.runId, "interrupted");
      const next = await b.send(scope, context.id, { text: "hello" });
      await eventsUntil(b, scope, context.id, runFinished(next.runId));
    });

    it("records a run begun as it closes interrupted, never driven", async () => {
      const { runtime, scope, db } = await setup({ tokenDelayMs: 5 });
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      // Past the guard before the close, committed after it.
      const sending = runtime.send(scope, context.id, { text: "stream 50 words" });
      await runtime.close();
      const sent = await sending;
      expect(await runState(db, sent.runId)).toMatchObject({
        status: "interrupted",
        lease_until: null,
      });
      const reply = await value<string>(db, "SELECT parts FROM message WHERE run_id = ?", [
        sent.runId,
      ]);
      expect(reply).toBe("[]");
    });
  });
});
