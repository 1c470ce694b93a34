// Live events across instances: a stream held by B receives, in order, without a gap or a
// duplicate, every event of a run executing on A, exactly as the log stores them and exactly as a
// stream held by A receives them; and a client that loses its stream on A mid-reply resumes it on
// B from its last event id.
import type { ContextEvent, ContextMessage } from "@agent-access/agents";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openEvents, type StreamedEvent, trpcResult } from "../../apps/server/test/harness.ts";
import { applyEvent, type ClientView } from "../security/support/client-view.ts";
import {
  agentBrowser,
  type Browser,
  type Cluster,
  describeCluster,
  lastSeq,
  mutate,
  settled,
  startCluster,
  storedEvents,
} from "./support/cluster.ts";

type Stream = Awaited<ReturnType<typeof openEvents>>;

/** Reads `stream` until it has given the event with seq `through`; throws on a gap or repeat. */
async function readThrough(
  stream: Stream,
  after: number,
  through: number,
): Promise<StreamedEvent[]> {
  const events: StreamedEvent[] = [];
  let last = after;
  while (last < through) {
    const next = await stream.next(30_000);
    if (!next) throw new Error(`the stream ended after ${last}, before ${through}`);
    if (next.id !== last + 1) throw new Error(`event ${next.id} came after ${last}`);
    events.push(next);
    last = next.id;
  }
  return events;
}

/** The event types in order, a run of deltas counted as one. */
function shape(events: StreamedEvent[]): string[] {
  const types: string[] = [];
  for (const { data } of events) {
    if (data.type === "message.delta" && types.at(-1) === "message.delta") continue;
    types.push(data.type);
  }
  return types;
}

describeCluster("live events across two instances", () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await agentBrowser(cluster, "tenant:live:user:1");
  });
  afterAll(() => cluster?.close());

  async function newContext(): Promise<{ contextId: string; lastEventId: number }> {
    const { context } = await mutate<{ context: { id: string } }>(
      browser.on(cluster.a),
      "context.create",
      { title: "across instances" },
    );
    const page = await trpcResult<{ lastEventId: number }>(
      await browser.on(cluster.b).query("context.messages", { contextId: context.id, limit: 50 }),
    );
    return { contextId: context.id, lastEventId: page.data!.lastEventId };
  }

  it("streams on B the exact events of a run on A, as A's stream and the log have them", async () => {
    const { contextId, lastEventId } = await newContext();
    const onB = await openEvents(browser.on(cluster.b), contextId, lastEventId);
    const onA = await openEvents(browser.on(cluster.a), contextId, lastEventId);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    try {
      const sent = await mutate<{ messageId: string; runId: string }>(
        browser.on(cluster.a),
        "context.send",
        { contextId, text: "stream 60 words" },
      );
      // The run streams on A while B's stream is read: B must see it live, not after the fact.
      const first = await onB.next(10_000);
      expect(first?.id).toBe(lastEventId + 1);
      await settled(cluster.db, contextId, "idle");
      const end = await lastSeq(cluster.db, contextId);
      const seenOnB = [first!, ...(await readThrough(onB, first!.id, end))];
      const seenOnA = await readThrough(onA, lastEventId, end);

      const stored = (await storedEvents(cluster.db, contextId)).filter(
        (row) => row.seq > lastEventId,
      );
      expect(seenOnB.map((e) => ({ seq: e.id, event: e.data }))).toEqual(stored);
      expect(seenOnB).toEqual(seenOnA);
      expect(shape(seenOnB)).toEqual([
        "message.created",
        "run.started",
        "message.created",
        "context.updated",
        "message.part",
        "message.delta",
        "message.completed",
        "run.finished",
        "context.updated",
      ]);
      expect(seenOnB[0]!.data).toMatchObject({
        type: "message.created",
        message: { id: sent.messageId, role: "user" },
      });
      expect(seenOnB.find((e) => e.data.type === "run.finished")!.data).toMatchObject({
        runId: sent.runId,
        status: "completed",
      });
      // A client that held the page and applied what B streamed holds the messages as stored.
      let view: ClientView = { messages: [], lastEventId };
      for (const event of seenOnB) {
        view = applyEvent(view, event.id, event.data as unknown as ContextEvent);
      }
      const page = await trpcResult<{ items: ContextMessage[] }>(
        await browser.on(cluster.a).query("context.messages", { contextId, limit: 50 }),
      );
      expect(view.messages).toEqual(page.data!.items);
      expect(view.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    } finally {
      onA.close();
      onB.close();
    }
  });

  it("resumes on B, from the last event id, a stream lost on A mid-reply", async () => {
    const { contextId, lastEventId } = await newContext();
    const onA = await openEvents(browser.on(cluster.a), contextId, lastEventId);
    await mutate(browser.on(cluster.a), "context.send", { contextId, text: "stream 300 words" });
    const before: StreamedEvent[] = [];
    // Some deltas on A, then the connection drops while the reply is still streaming.
    while (before.filter((e) => e.data.type === "message.delta").length < 10) {
      const next = await onA.next(10_000);
      before.push(next!);
    }
    onA.close();
    const resumedAt = before.at(-1)!.id;
    const onB = await openEvents(browser.on(cluster.b), contextId, resumedAt);
    try {
      const runningWhenResumed = (
        await trpcResult<{ status: string }>(
          await browser.on(cluster.b).query("context.get", { contextId }),
        )
      ).data;
      const after: StreamedEvent[] = [];
      for (;;) {
        const next = await onB.next(30_000);
        expect(next, "the stream on B ended").not.toBeNull();
        expect(next!.id).toBe((after.at(-1)?.id ?? resumedAt) + 1);
        after.push(next!);
        if (next!.data.type === "run.finished") break;
      }
      // The reply was still going when B took over: its end came live through B.
      expect(runningWhenResumed).toMatchObject({ status: "running" });
      await settled(cluster.db, contextId, "idle");
      const stored = (await storedEvents(cluster.db, contextId)).filter(
        (row) => row.seq > lastEventId && row.seq <= after.at(-1)!.id,
      );
      expect([...before, ...after].map((e) => ({ seq: e.id, event: e.data }))).toEqual(stored);
    } finally {
      onB.close();
    }
  });
});
