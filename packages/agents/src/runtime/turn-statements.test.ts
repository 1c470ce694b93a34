// How many SQL statements and transactions one turn costs the engine, from the send to its
// run's end: every statement is a round trip on PostgreSQL (issue #14, benchmark 2). A bound
// that a change adding a statement to every turn fails; the list is in the failure message.
import { type Db, observeQueries } from "@agent-access/db";
import { describeEachDialect, testDialect } from "@agent-access/db/testing";
import { afterEach, expect, it } from "vitest";
import { AGENT, fullLog, runFinished, setup, teardown } from "../../test/harness.ts";
import type { CommitHook, CommittedChange } from "./engine.ts";

/**
 * At most this many statements (BEGIN and COMMIT not counted) and transactions per turn: the
 * send's commit, the model's prompt, the first word's commit, the step's commit, the title's
 * check, and the run's end. On PostgreSQL the lock on the context rides on the send's claim and
 * on each run commit's claim of the run, and a commit's events are numbered, inserted and
 * announced by one statement.
 */
const BOUND = {
  // The send's claim also sets the first message's title.
  sqlite: { statements: 23, transactions: 4 },
  // The first word's commit and the step's are one statement each (commitRunTexts, alone), not
  // transactions; the send's user message, run and reply are one (insertTurnRows), and the
  // model's prompt is read by the statement that appends the send's events.
  postgres: { statements: 11, transactions: 2 },
};

describeEachDialect("a turn's statements", (suite) => {
  afterEach(teardown);

  it("stay within the bound, from the send to the run's end", async () => {
    // A window longer than the turn: the first word is written at once, the rest with the step.
    const { runtime, scope, db } = await setup({ deltaFlushMs: 60_000 });
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    const controller = new AbortController();
    const events = (await runtime.events(scope, context.id, { signal: controller.signal }))[
      Symbol.asyncIterator
    ]();
    // The stream's first read of the log runs now, before the count starts (as a stream opened
    // before the send).
    let next = events.next();
    const statements: string[] = [];
    const stop = observeQueries(db, (query) => statements.push(query.sql), { transactions: true });
    try {
      const { runId } = await runtime.send(scope, context.id, { text: "stream 5 words" });
      const finished = runFinished(runId);
      for (;;) {
        const item = await next;
        if (item.done || finished(item.value.event)) break;
        next = events.next();
      }
    } finally {
      stop();
      controller.abort();
    }
    // The stream's reads of the log (its first read may start late on PostgreSQL) and an
    // instance's check of the contexts it streams after its notification session (re)opens are
    // not the turn's.
    const turn = statements.filter(
      (sql) =>
        !sql.startsWith("SELECT seq, type, payload, created_at FROM context_event") &&
        !sql.startsWith("SELECT id FROM context WHERE id IN"),
    );
    if (process.env.TURN_STATEMENTS) console.log(`${testDialect()}:\n${turn.join("\n")}`);
    const list = turn.map((sql) => sql.replace(/\s+/g, " ")).join("\n");
    const bound = BOUND[testDialect()];
    expect(turn.filter((sql) => sql.startsWith("BEGIN")).length, list).toBeLessThanOrEqual(
      bound.transactions,
    );
    expect(
      turn.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)/.test(sql)).length,
      list,
    ).toBeLessThanOrEqual(bound.statements);
  });

  // PostgreSQL: texts wait for a round trip, so those of replies streaming at once go together.
  // SQLite writes a text within the tick it comes in: texts seldom wait there, and go alone.
  it.runIf(suite.dialect === "postgres")(
    "commit the texts of replies streaming at once together, in fewer statements than texts",
    async () => {
      const { runtime, scope, db } = await setup({ tokenDelayMs: 1 });
      const contexts = [];
      for (let i = 0; i < 12; i++) {
        contexts.push((await runtime.createContext(scope, { agentId: AGENT })).context.id);
      }
      // Each statement that writes text: a batch's, or a text's alone.
      const writes: string[] = [];
      const stop = observeQueries(db, (query) => {
        if (query.sql.includes("UPDATE message SET parts")) writes.push(query.sql);
      });
      try {
        const sent = await Promise.all(
          contexts.map((id) => runtime.send(scope, id, { text: "stream 40 words" })),
        );
        await Promise.all(
          contexts.map(async (id, i) => {
            const finished = runFinished(sent[i]!.runId);
            for await (const { event } of await runtime.events(scope, id)) {
              if (finished(event)) break;
            }
          }),
        );
      } finally {
        stop();
      }
      let texts = 0;
      for (const id of contexts) {
        const log = await fullLog(runtime, scope, id);
        texts += log.filter(({ event }) => event.type === "message.delta").length;
        // Every reply is whole.
        const { items } = await runtime.listMessages(scope, id, { limit: 10 });
        expect(items.at(-1)?.parts).toEqual([
          { type: "text", text: expect.stringMatching(/^(\S+ ){39}\S+$/) },
        ]);
      }
      expect(texts).toBeGreaterThan(contexts.length * 2);
      expect(writes.length, `${writes.length} writes for ${texts} texts`).toBeLessThan(texts / 2);
    },
  );

  it("give a commit hook every commit, the reply's text too, unless it declines text", async () => {
    for (const textCommits of [undefined, false]) {
      const seen: { types: string[]; inTransaction: boolean }[] = [];
      const hook: CommitHook = (tx: Db, change: CommittedChange) => {
        seen.push({ types: change.events.map(({ event }) => event.type), inTransaction: !!tx });
      };
      if (textCommits !== undefined) hook.textCommits = textCommits;
      const { runtime, scope } = await setup({ onCommit: hook });
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const { runId } = await runtime.send(scope, context.id, { text: "stream 5 words" });
      const finished = runFinished(runId);
      for await (const { event } of await runtime.events(scope, context.id)) {
        if (finished(event)) break;
      }
      const types = seen.flatMap((commit) => commit.types);
      // The reply streamed: its text was written, the run finished.
      expect(types).toContain("run.finished");
      const textEvents = types.filter((type) => type === "message.delta").length;
      if (textCommits === false) expect(textEvents).toBe(0);
      else expect(textEvents).toBeGreaterThan(0);
      const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
      expect(items.at(-1)?.parts).toEqual([
        { type: "text", text: expect.stringMatching(/^(\S+ ){4}\S+$/) },
      ]);
      await teardown();
    }
  });
});
