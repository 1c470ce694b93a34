// Live events across server instances: two runtimes on one database, as two server processes
// would hold (PostgreSQL: two pools on one schema), a stream on one and the writes on the other.
import { all, type Db, notify, openPostgres } from "@agent-access/db";
import { describeEachDialect, startTcpProxy, type TcpProxy } from "@agent-access/db/testing";
import { afterEach, expect, it } from "vitest";
import { AGENT, eventsUntil, fullLog, runFinished, setup, teardown } from "../../test/harness.ts";
import type { AgentRuntime } from "../runtime/runtime.ts";
import type { AgentScope, ContextEvent, SequencedEvent } from "../types.ts";
import { EVENTS_CHANNEL } from "./live.ts";

/** A stream read in the background: what it got so far, and whether it ended. */
interface Follower {
  events: SequencedEvent[];
  ended: () => boolean;
  /** Resolves once `check` holds, or throws after `timeoutMs` saying what it got. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}

async function follow(
  runtime: AgentRuntime,
  scope: AgentScope,
  contextId: string,
  afterSeq = 0,
): Promise<Follower> {
  const controller = new AbortController();
  const stream = await runtime.events(scope, contextId, { afterSeq, signal: controller.signal });
  const events: SequencedEvent[] = [];
  let ended = false;
  let failure: unknown = null;
  void (async () => {
    try {
      for await (const item of stream) events.push(item);
    } catch (error) {
      failure = error;
    }
    ended = true;
  })();
  return {
    events,
    ended: () => ended,
    async until(check, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (failure) throw failure;
        if (Date.now() > deadline) {
          const seqs = events.map((e) => e.seq).join(",");
          throw new Error(`timed out waiting for ${what}; got seqs [${seqs}], ended: ${ended}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop: () => controller.abort(),
  };
}

/** Waits until `follower` has every event the context's log holds now (by A's count). */
async function caughtUp(
  runtime: AgentRuntime,
  scope: AgentScope,
  contextId: string,
  follower: Follower,
): Promise<void> {
  const { lastEventId } = await runtime.getContext(scope, contextId);
  await follower.until(
    () => (follower.events.at(-1)?.seq ?? 0) >= lastEventId,
    `seq ${lastEventId} on the follower`,
  );
}

function seqsOf(events: readonly SequencedEvent[]): number[] {
  return events.map((e) => e.seq);
}

const finished = (events: readonly SequencedEvent[]) => () =>
  events.some((e) => e.event.type === "run.finished");

describeEachDialect("live events across instances", (suite) => {
  afterEach(teardown);

  it("resume with lastEventId on another instance: exactly the events after it", async () => {
    const { runtime: a, scope, restart, reopen } = await setup({ restartable: true });
    const { context, sent } = await a.createContext(scope, {
      agentId: AGENT,
      firstMessage: "stream 40 words",
    });
    await eventsUntil(a, scope, context.id, runFinished(sent!.runId));
    const log = await fullLog(a, scope, context.id);
    const b = restart({ db: reopen() });
    const after = Math.floor(log.length / 2);
    const resumed = await eventsUntil(
      b,
      scope,
      context.id,
      (_event, seq) => seq >= log.length,
      after,
    );
    expect(resumed).toEqual(log.slice(after));
    // Ahead of the log is refused there as here.
    await expect(b.events(scope, context.id, { afterSeq: log.length + 1 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  if (suite.dialect === "sqlite") return;

  /** Runtime B on its own pool; its LISTEN session through `proxy` when given. */
  async function instanceB(
    env: Awaited<ReturnType<typeof setup>>,
    proxy?: TcpProxy,
  ): Promise<{ b: AgentRuntime; dbB: Db }> {
    const url = suite.urlOf(env.db)!;
    const dbB = openPostgres(url, { poolSize: 4, directUrl: proxy?.via(url) });
    return { b: env.restart({ db: dbB }), dbB };
  }

  it("a stream on B gets every event of a run on A, in order, once", async () => {
    const env = await setup({ tokenDelayMs: 1 });
    const { runtime: a, scope, db } = env;
    const { b } = await instanceB(env);
    const { context } = await a.createContext(scope, { agentId: AGENT });
    const onB = await follow(b, scope, context.id);
    // Strangers on the channel (other schemas, other apps) change nothing.
    await notify(db, EVENTS_CHANNEL, "not json");
    await notify(db, EVENTS_CHANNEL, JSON.stringify({ i: "x", c: "ctx_nobody", s: 3 }));
    const sent = await a.send(scope, context.id, { text: "stream 300 words" });
    await onB.until(finished(onB.events), "run.finished on B");
    await caughtUp(a, scope, context.id, onB);
    const log = await fullLog(a, scope, context.id);
    expect(onB.events).toEqual(log.slice(0, onB.events.length));
    expect(seqsOf(onB.events)).toEqual(onB.events.map((_, i) => i + 1));
    expect(onB.events.find((e) => e.event.type === "run.finished")!.event).toMatchObject({
      runId: sent.runId,
    });
    // The deltas came one commit at a time (deltaFlushMs 0), so B followed live, not at the end.
    expect(onB.events.filter((e) => e.event.type === "message.delta").length).toBeGreaterThan(50);

    // Writes on B reach a stream on A the same way.
    const onA = await follow(a, scope, context.id, log.length);
    await b.renameContext(scope, context.id, { title: "Renamed on B" });
    await onA.until(() => onA.events.length === 1, "the rename on A");
    expect(onA.events[0]).toMatchObject({
      seq: log.length + 1,
      event: { type: "context.updated", title: "Renamed on B" },
    });
    onA.stop();
    onB.stop();
  });

  it("a stream opened on B mid-run resumes after its seq and follows the run live", async () => {
    const env = await setup({ tokenDelayMs: 2 });
    const { runtime: a, scope } = env;
    const { b } = await instanceB(env);
    const { context, sent } = await a.createContext(scope, {
      agentId: AGENT,
      firstMessage: "stream 300 words",
    });
    const early = await eventsUntil(a, scope, context.id, (_e, seq) => seq >= 20);
    const onB = await follow(b, scope, context.id, 20);
    await onB.until(finished(onB.events), "run.finished on B");
    await caughtUp(a, scope, context.id, onB);
    expect(early.at(-1)!.seq).toBe(20);
    const log = await fullLog(a, scope, context.id);
    expect(onB.events).toEqual(log.slice(20, 20 + onB.events.length));
    expect(onB.events[0]!.seq).toBe(21);
    expect(onB.events.find((e) => e.event.type === "run.finished")!.event).toMatchObject({
      runId: sent!.runId,
    });
    onB.stop();
  });

  it("a context deleted on A ends its streams on B", async () => {
    const env = await setup({ tokenDelayMs: 2 });
    const { runtime: a, scope } = env;
    const { b } = await instanceB(env);
    const { context } = await a.createContext(scope, {
      agentId: AGENT,
      firstMessage: "stream 2000 words",
    });
    const onB = await follow(b, scope, context.id);
    await onB.until(() => onB.events.some((e) => e.event.type === "message.delta"), "a delta on B");
    await a.deleteContext(scope, context.id);
    await onB.until(onB.ended, "the end of B's stream");
    await expect(b.getContext(scope, context.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("when B's session for wake-ups is lost, its streams read what they missed on reconnection", async () => {
    const env = await setup();
    const { runtime: a, scope, db } = env;
    const target = new URL(suite.urlOf(db)!);
    const proxy = await startTcpProxy({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    try {
      const { b } = await instanceB(env, proxy);
      const { context } = await a.createContext(scope, { agentId: AGENT });
      const { context: doomed } = await a.createContext(scope, { agentId: AGENT });
      const onB = await follow(b, scope, context.id);
      const doomedOnB = await follow(b, scope, doomed.id);
      const rename = (title: string) => a.renameContext(scope, context.id, { title });
      const titles = () =>
        onB.events.flatMap(({ event }: { event: ContextEvent }) =>
          event.type === "context.updated" ? [event.title] : [],
        );

      // B listens through the proxy: a rename on A arrives live.
      await rename("one");
      await onB.until(() => titles().length === 1, "the first rename on B");

      // The session is killed and cannot come back: what A commits meanwhile wakes nobody.
      const ports = proxy.upstreamPorts();
      expect(ports.length).toBe(1);
      proxy.cut();
      await all(
        db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY(?)",
        [ports],
      );
      for (let i = 0; i < 100; i++) {
        const left = await all(db, "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(?)", [
          ports,
        ]);
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await rename("two");
      await rename("three");
      await a.deleteContext(scope, doomed.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(titles()).toEqual(["one"]);
      expect(doomedOnB.ended()).toBe(false);

      // Back: B's streams read the log, and the deleted context's stream ends.
      proxy.open();
      await onB.until(() => titles().length === 3, "the missed renames on B");
      await doomedOnB.until(doomedOnB.ended, "the end of the deleted context's stream");
      await rename("four");
      await onB.until(() => titles().length === 4, "a rename after the reconnection");
      expect(titles()).toEqual(["one", "two", "three", "four"]);
      expect(seqsOf(onB.events)).toEqual([1, 2, 3, 4]);
      onB.stop();
    } finally {
      await teardown();
      await proxy.close();
    }
  });
});
