// A cancel sent to B reaches the run streaming on A: the run ends cancelled, with one
// run.finished, and A writes nothing after it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { until } from "../security/support/database.ts";
import {
  agentBrowser,
  type Browser,
  type Cluster,
  describeCluster,
  lastSeq,
  mutate,
  runStatus,
  settled,
  startCluster,
  storedEvents,
} from "./support/cluster.ts";

describeCluster("a cancel across two instances", () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await agentBrowser(cluster, "tenant:cancel:user:1");
  });
  afterAll(() => cluster?.close());

  /** The statuses of the run.finished events of `runId`, in order. */
  async function endings(contextId: string, runId: string): Promise<unknown[]> {
    return (await storedEvents(cluster.db, contextId))
      .filter((row) => row.event.type === "run.finished" && row.event.runId === runId)
      .map((row) => row.event.status);
  }

  it("cancels through B a run streaming on A, which stops writing", async () => {
    const { context } = await mutate<{ context: { id: string } }>(
      browser.on(cluster.a),
      "context.create",
      { title: "cancel across" },
    );
    const contextId = context.id;
    const sent = await mutate<{ runId: string }>(browser.on(cluster.a), "context.send", {
      contextId,
      text: "stream 3000 words",
    });
    await until("the reply to stream on A", async () => {
      const deltas = (await storedEvents(cluster.db, contextId)).filter(
        (row) => row.event.type === "message.delta",
      );
      return deltas.length >= 5 ? true : undefined;
    });
    const cancelledAt = Date.now();
    const answer = await mutate<{ cancelled: boolean }>(browser.on(cluster.b), "context.cancel", {
      contextId,
    });
    expect(answer).toEqual({ cancelled: true });
    await until(
      "the run to be cancelled",
      async () => ((await runStatus(cluster.db, sent.runId)) === "cancelled" ? true : undefined),
      { timeoutMs: 10_000 },
    );
    const tookMs = Date.now() - cancelledAt;
    await settled(cluster.db, contextId, "idle");
    expect(await endings(contextId, sent.runId)).toEqual(["cancelled"]);
    // A stopped: nothing is written after the run finished.
    const end = await lastSeq(cluster.db, contextId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await lastSeq(cluster.db, contextId)).toBe(end);
    const stored = await storedEvents(cluster.db, contextId);
    expect(stored.at(-1)?.event.type).toBe("context.updated");
    const words = stored
      .filter((row) => row.event.type === "message.delta")
      .map((row) => row.event.text as string)
      .join("")
      .trim()
      .split(/\s+/).length;
    expect(words).toBeLessThan(3000);
    console.log(`[multi] cancel through B: run on A cancelled after ${tookMs} ms`);
  });
});
