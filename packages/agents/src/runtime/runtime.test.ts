import { get, value } from "@agent-access/db";
import { describeEachDialect, testDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { applyToMessages } from "../../../react/src/live-context.ts";
import {
  AGENT,
  eventsUntil,
  fullLog,
  runFinished,
  setup,
  teardown,
  textOf,
} from "../../test/harness.ts";
import type { ContextEvent, ContextMessage, SequencedEvent } from "../types.ts";

describeEachDialect("runtime", (suite) => {
  afterEach(teardown);

  /** Applies events to a list of messages with the reducer the React hooks ship. */
  function apply(messages: ContextMessage[], events: readonly SequencedEvent[]): ContextMessage[] {
    return events.reduce((held, { event }) => applyToMessages(held, event), messages);
  }

  function deltasOf(events: readonly SequencedEvent[]): number {
    return events.filter((e) => e.event.type === "message.delta").length;
  }

  describe("a whole turn", () => {
    it("runs the builtin model with a tool call and records everything in order", async () => {
      const { runtime, scope } = await setup();
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "How healthy are my webhooks?",
      });
      expect(context.title).toBe("How healthy are my webhooks?");
      const events = await eventsUntil(runtime, scope, context.id, runFinished(sent!.runId));

      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const types = events.map((e) => e.event.type);
      expect(types.slice(0, 4)).toEqual([
        "message.created",
        "run.started",
        "message.created",
        "context.updated",
      ]);
      expect(types.slice(-2)).toEqual(["message.completed", "run.finished"]);
      const toolStates = events.flatMap(({ event }) =>
        event.type === "message.part" && event.part.type === "tool-call" ? [event.part.state] : [],
      );
      expect(toolStates).toEqual(["running", "completed"]);
      // The tool call comes before the answer's text.
      expect(types.indexOf("message.part")).toBeLessThan(types.indexOf("message.delta"));

      const { items, hasMore, lastEventId } = await runtime.listMessages(scope, context.id, {
        limit: 50,
      });
      expect(hasMore).toBe(false);
      // After run.finished, one more event: the context is idle again.
      expect(lastEventId).toBe(events.at(-1)!.seq + 1);
      // The model named the conversation after its first reply (the builtin model's few words).
      expect((await fullLog(runtime, scope, context.id)).at(-1)!.event).toEqual({
        type: "context.updated",
        title: "Healthy webhooks",
        status: "idle",
      });
      const [user, assistant] = items;
      expect(user).toMatchObject({ role: "user", seq: 1, runId: null, id: sent!.messageId });
      expect(assistant).toMatchObject({ role: "assistant", seq: 2, runId: sent!.runId });
      expect(assistant!.parts).toEqual([
        expect.objectContaining({
          type: "tool-call",
          toolName: "getWebhookHealth",
          state: "completed",
          output: expect.objectContaining({ deliveries: 180 }),
        }),
        { type: "text", text: expect.stringMatching(/^Across 180 deliveries/) },
      ]);
      // The log rebuilds exactly the stored messages.
      expect(apply([], await fullLog(runtime, scope, context.id))).toEqual(items);

      const finished = events.at(-1)!.event;
      expect(finished).toMatchObject({ type: "run.finished", status: "completed" });
      const usage = (finished as Extract<ContextEvent, { type: "run.finished" }>).usage;
      expect(usage.outputTokens).toBeGreaterThan(10);
      expect(usage.totalTokens).toBe(usage.inputTokens + usage.outputTokens);
      expect(await runtime.getContext(scope, context.id)).toMatchObject({ status: "idle" });
    });

    it("records usage on the run row and writes deltas in batches, the first at once", async () => {
      // A window far longer than the reply: everything after the first word waits for the next
      // write, which the end of the run makes.
      const { runtime, scope, db } = await setup({ tokenDelayMs: 1, deltaFlushMs: 60_000 });
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 120 words",
      });
      const events = await eventsUntil(runtime, scope, context.id, runFinished());
      const row = await get(db, "SELECT status, usage, steps FROM run WHERE id = ?", [sent!.runId]);
      expect(row).toMatchObject({ status: "completed", steps: 1 });
      // The reply's 120 words, and the three of the title the model gave the conversation.
      expect(JSON.parse((row as { usage: string }).usage)).toMatchObject({ outputTokens: 123 });
      const writes = events.flatMap(({ event }) =>
        event.type === "message.delta"
          ? [event.text]
          : event.type === "message.part" && event.part.type === "text"
            ? [event.part.text]
            : [],
      );
      expect(writes).toHaveLength(2);
      expect(writes[0]).toBe("The");
      expect(writes.join("").split(" ")).toHaveLength(120);
      const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
      expect(textOf(items[1]).split(" ")).toHaveLength(120);
    });

    // On SQLite with a local model no I/O stands between the send's commit and the reply's first
    // word: the run gets that far before the send answers, so the first token is not queued
    // behind the send's own answer. (PostgreSQL's reads wait on the network; the send answers
    // while they do.)
    it.runIf(suite.dialect === "sqlite")(
      "answers a send once the reply's first word is committed, where no I/O comes between",
      async () => {
        const { runtime, scope } = await setup({ deltaFlushMs: 60_000 });
        const { context } = await runtime.createContext(scope, { agentId: AGENT });
        const sent = await runtime.send(scope, context.id, { text: "stream 50 words" });
        const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
        expect(items.map((m) => m.role)).toEqual(["user", "assistant"]);
        expect(textOf(items[1])).toBe("The");
        await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
      },
    );
  });

  describe("resumable streaming", () => {
    it("replays exactly the remaining events after a seq in the middle of a reply", async () => {
      const { runtime, scope } = await setup({ tokenDelayMs: 2 });
      const { context } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 300 words",
      });
      // A client sees a few deltas, then its connection drops.
      let deltas = 0;
      const before = await eventsUntil(
        runtime,
        scope,
        context.id,
        (event) => event.type === "message.delta" && ++deltas === 5,
      );
      const lastSeen = before.at(-1)!.seq;
      // It reconnects with its last seq while the reply goes on.
      const after = await eventsUntil(runtime, scope, context.id, runFinished(), lastSeen);
      expect(after[0]!.seq).toBe(lastSeen + 1);
      expect(deltasOf(after)).toBeGreaterThan(0);

      const full = await fullLog(runtime, scope, context.id);
      expect([...before, ...after]).toEqual(full.slice(0, before.length + after.length));
      expect(full.map((e) => e.seq)).toEqual(full.map((_, i) => i + 1));
    });

    it("shows the partial text on a reload mid-reply, and the stream goes on from there", async () => {
      const { runtime, scope } = await setup({ tokenDelayMs: 2 });
      const { context } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 300 words",
      });
      let deltas = 0;
      await eventsUntil(
        runtime,
        scope,
        context.id,
        (event) => event.type === "message.delta" && ++deltas === 3,
      );
      // The reload: messages as stored, and where the log stood when they were read.
      const page = await runtime.listMessages(scope, context.id, { limit: 20 });
      const partial = textOf(page.items[1]);
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.split(" ").length).toBeLessThan(300);

      const rest = await eventsUntil(runtime, scope, context.id, runFinished(), page.lastEventId);
      const live = apply(page.items, rest);
      const stored = (await runtime.listMessages(scope, context.id, { limit: 20 })).items;
      expect(live).toEqual(stored);
      expect(textOf(stored[1]).startsWith(partial)).toBe(true);
      expect(textOf(stored[1]).split(" ")).toHaveLength(300);
    });
  });

  describe("cancel", () => {
    it("stops the tokens, keeps the partial text and marks the run cancelled", async () => {
      const { runtime, scope, db } = await setup({ tokenDelayMs: 2 });
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 2000 words",
      });
      let deltas = 0;
      await eventsUntil(
        runtime,
        scope,
        context.id,
        (event) => event.type === "message.delta" && ++deltas === 3,
      );
      expect(await runtime.cancel(scope, context.id)).toEqual({ cancelled: true });
      // Resolved only once recorded.
      expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent!.runId])).toBe(
        "cancelled",
      );
      const full = await fullLog(runtime, scope, context.id);
      const finishedAt = full.findIndex((e) => e.event.type === "run.finished");
      expect(full[finishedAt]!.event).toMatchObject({ status: "cancelled" });
      expect(full.slice(finishedAt).some((e) => e.event.type === "message.delta")).toBe(false);

      const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
      const words = textOf(items[1]).split(" ").length;
      expect(words).toBeGreaterThan(0);
      expect(words).toBeLessThan(2000);
      // Nothing more arrives later either.
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect((await runtime.getContext(scope, context.id)).lastEventId).toBe(full.at(-1)!.seq);
      expect(await runtime.getContext(scope, context.id)).toMatchObject({ status: "idle" });
      expect(await runtime.cancel(scope, context.id)).toEqual({ cancelled: false });
    });
  });

  describe("one run per context", () => {
    it("refuses a send while a run is active with CONFLICT", async () => {
      const { runtime, scope } = await setup({ tokenDelayMs: 2 });
      const { context } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 500 words",
      });
      await expect(runtime.send(scope, context.id, { text: "again" })).rejects.toMatchObject({
        code: "CONFLICT",
        message: expect.stringMatching(/wait for the reply, or stop it/),
      });
      await expect(runtime.regenerate(scope, context.id)).rejects.toMatchObject({
        code: "CONFLICT",
      });
      await runtime.cancel(scope, context.id);
      await expect(runtime.send(scope, context.id, { text: "now" })).resolves.toMatchObject({
        runId: expect.any(String),
      });
    });

    it("lets exactly one of racing sends start a run, on one instance or two", async () => {
      const { runtime, scope, db, restart, reopen } = await setup({
        restartable: true,
        tokenDelayMs: 2,
      });
      // PostgreSQL: a second instance with its own pool. SQLite: a second runtime on the same
      // connection (a second connection to the file in this process would wait for the first's
      // open transaction while blocking the event loop that would end it).
      const other = testDialect() === "postgres" ? restart({ db: reopen() }) : restart();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });

      const results = await Promise.allSettled([
        runtime.send(scope, context.id, { text: "stream 50 words" }),
        runtime.send(scope, context.id, { text: "stream 50 words" }),
        other.send(scope, context.id, { text: "stream 50 words" }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const result of results.filter((r) => r.status === "rejected")) {
        expect(result.reason).toMatchObject({ code: "CONFLICT" });
      }
      expect(await value(db, "SELECT count(*) FROM run")).toBe(1);
      expect(await value(db, "SELECT count(*) FROM message WHERE role = 'user'")).toBe(1);
      await eventsUntil(runtime, scope, context.id, runFinished());
    });
  });

  describe("regenerate", () => {
    it("removes the last reply with an event and answers the same message again", async () => {
      const { runtime, scope } = await setup();
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "hello",
      });
      await eventsUntil(runtime, scope, context.id, runFinished(sent!.runId));
      const before = await runtime.listMessages(scope, context.id, { limit: 10 });

      const again = await runtime.regenerate(scope, context.id);
      expect(again.messageId).toBe(sent!.messageId);
      const events = await eventsUntil(
        runtime,
        scope,
        context.id,
        runFinished(again.runId),
        before.lastEventId,
      );
      expect(events[0]!.event).toEqual({
        type: "messages.removed",
        messageIds: [before.items[1]!.id],
      });
      const after = await runtime.listMessages(scope, context.id, { limit: 10 });
      expect(after.items).toHaveLength(2);
      expect(after.items[1]!.id).not.toBe(before.items[1]!.id);
      expect(textOf(after.items[1])).toBe(textOf(before.items[1]));
      expect(apply(before.items, events)).toEqual(after.items);
    });

    it("needs a message to answer", async () => {
      const { runtime, scope, db } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      await expect(runtime.regenerate(scope, context.id)).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      expect(await runtime.getContext(scope, context.id)).toMatchObject({ status: "idle" });
      expect(await value(db, "SELECT count(*) FROM run")).toBe(0);
    });
  });

  describe("contexts", () => {
    it("are titled by the caller, by the first message, or as new until one is sent", async () => {
      const { runtime, scope } = await setup();
      const named = await runtime.createContext(scope, { agentId: AGENT, title: "  Billing  " });
      expect(named.context.title).toBe("Billing");
      const blank = await runtime.createContext(scope, { agentId: AGENT });
      expect(blank.context.title).toBe("New conversation");
      const sent = await runtime.send(scope, blank.context.id, {
        text: "Why do the billing webhooks keep failing since the deploy on Tuesday afternoon, and what now?",
      });
      expect((await runtime.getContext(scope, blank.context.id)).title).toBe(
        "Why do the billing webhooks keep failing since the deploy on…",
      );
      await runtime.cancel(scope, blank.context.id);
      expect(sent.runId).toEqual(expect.any(String));
      await runtime.renameContext(scope, blank.context.id, { title: "Renamed" });
      expect((await runtime.getContext(scope, blank.context.id)).title).toBe("Renamed");
      await expect(
        runtime.renameContext(scope, blank.context.id, { title: "   " }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(
        runtime.createContext(scope, { agentId: "unknown-agent" }),
      ).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    });

    it("are listed by last activity in cursor pages, searched by title and filtered", async () => {
      const { runtime, scope } = await setup();
      const ids: string[] = [];
      for (const title of ["alpha", "beta 100%", "gamma", "delta_x", "deltaxx"]) {
        const created = await runtime.createContext(scope, { agentId: AGENT, title });
        ids.push(created.context.id);
      }
      const first = await runtime.listContexts(scope, { limit: 2 });
      expect(first.items).toHaveLength(2);
      const seen = [...first.items];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await runtime.listContexts(scope, { limit: 2, cursor });
        seen.push(...page.items);
        cursor = page.nextCursor;
      }
      expect(seen.map((c) => c.id).sort()).toEqual([...ids].sort());
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i - 1]!.lastActivityAt).toBeGreaterThanOrEqual(seen[i]!.lastActivityAt);
      }
      const search = async (text: string) =>
        (await runtime.listContexts(scope, { limit: 10, search: text })).items.map((c) => c.title);
      expect(await search("100%")).toEqual(["beta 100%"]);
      expect(await search("delta_")).toEqual(["delta_x"]);
      expect(await search("ALPHA")).toEqual(["alpha"]);
      expect((await runtime.listContexts(scope, { limit: 10, status: "running" })).items).toEqual(
        [],
      );
      await expect(
        runtime.listContexts(scope, { limit: 2, cursor: "nonsense" }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    });

    it("pages messages backwards from a message id", async () => {
      const { runtime, scope } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      for (const text of ["hello", "thanks", "bye"]) {
        const sent = await runtime.send(scope, context.id, { text });
        await eventsUntil(runtime, scope, context.id, runFinished(sent.runId));
      }
      const newest = await runtime.listMessages(scope, context.id, { limit: 4 });
      expect(newest.items.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
      expect(newest.hasMore).toBe(true);
      const older = await runtime.listMessages(scope, context.id, {
        limit: 4,
        before: newest.items[0]!.id,
      });
      expect(older.items.map((m) => m.seq)).toEqual([1, 2]);
      expect(older.hasMore).toBe(false);
    });

    it("are deleted softly, stopping their run and ending their event streams", async () => {
      const { runtime, scope, db } = await setup({ tokenDelayMs: 2 });
      const { context, sent } = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "stream 1000 words",
      });
      const controller = new AbortController();
      const stream = await runtime.events(scope, context.id, { signal: controller.signal });
      const consumed = (async () => {
        let count = 0;
        for await (const _ of stream) count++;
        return count;
      })();
      await eventsUntil(runtime, scope, context.id, (event) => event.type === "message.delta");
      await runtime.deleteContext(scope, context.id);
      expect(await consumed).toBeGreaterThan(0);
      expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent!.runId])).toBe(
        "cancelled",
      );
      await expect(runtime.getContext(scope, context.id)).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      expect(await value(db, "SELECT deleted_at FROM context WHERE id = ?", [context.id])).toEqual(
        expect.any(Number),
      );
    });
  });
});
