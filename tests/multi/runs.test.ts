// Runs across instances: an approval and an answer sent to B reach the run that waited on A
// (a cancel through B: cancel.test.ts); one run per context holds across instances; and a run
// waiting for the user outlives the instance that started it (SIGKILL) and is answered through
// the other.
import { column } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openEvents, trpcResult } from "../../apps/server/test/harness.ts";
import {
  agentBrowser,
  type Browser,
  type Cluster,
  contextStatus,
  describeCluster,
  lastSeq,
  mutate,
  runStatus,
  settled,
  startCluster,
  storedEvents,
} from "./support/cluster.ts";

/** How long a run left waiting must outlive its dead instance: past the 15 s of a running one. */
const OUTLIVE_MS = 16_000;

describeCluster("runs across two instances", () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await agentBrowser(cluster, "tenant:runs:user:1");
  });
  afterAll(() => cluster?.close());

  /** A conversation made on A whose first turn, run on A, stops waiting for the user. */
  async function waitingOnA(text: string, status: string) {
    const created = await mutate<{ context: { id: string }; sent: { runId: string } }>(
      browser.on(cluster.a),
      "context.create",
      { firstMessage: text },
    );
    const contextId = created.context.id;
    await settled(cluster.db, contextId, status);
    const waiting = (await storedEvents(cluster.db, contextId)).find(
      (row) => row.event.type === "run.waiting",
    )!;
    return {
      contextId,
      runId: created.sent.runId,
      toolCallId: waiting.event.toolCallId as string,
    };
  }

  /** The statuses of the run.finished events of `runId`, in order. */
  async function endings(contextId: string, runId: string): Promise<unknown[]> {
    return (await storedEvents(cluster.db, contextId))
      .filter((row) => row.event.type === "run.finished" && row.event.runId === runId)
      .map((row) => row.event.status);
  }

  it("resumes on an approval given through B a run that waited on A", async () => {
    const { contextId, runId, toolCallId } = await waitingOnA(
      "Please retry the failed deliveries",
      "waiting_for_approval",
    );
    const after = await lastSeq(cluster.db, contextId);
    const onB = await openEvents(browser.on(cluster.b), contextId, after);
    try {
      await mutate(browser.on(cluster.b), "context.respondToApproval", {
        contextId,
        toolCallId,
        decision: "allow_once",
      });
      const seen = await onB.until("run.finished", 30_000);
      expect(seen.at(-1)!.data).toMatchObject({ runId, status: "completed" });
      await settled(cluster.db, contextId, "idle");
      expect(await runStatus(cluster.db, runId)).toBe("completed");
      expect(await endings(contextId, runId)).toEqual(["completed"]);
      // The approved tool ran once.
      const states = (await storedEvents(cluster.db, contextId))
        .filter(
          (row) =>
            row.seq > after &&
            row.event.type === "message.part" &&
            (row.event.part as { toolCallId?: string }).toolCallId === toolCallId,
        )
        .map((row) => (row.event.part as { state: string }).state);
      expect(states.filter((state) => state === "running")).toHaveLength(1);
      expect(states.at(-1)).toBe("completed");
    } finally {
      onB.close();
    }
  });

  it("resumes on an answer given through B a run that asked on A", async () => {
    const { contextId, runId, toolCallId } = await waitingOnA(
      "Ask me a question",
      "waiting_for_input",
    );
    await mutate(browser.on(cluster.b), "context.submitInput", {
      contextId,
      toolCallId,
      value: "answered through B",
    });
    await settled(cluster.db, contextId, "idle");
    expect(await runStatus(cluster.db, runId)).toBe("completed");
    expect(await endings(contextId, runId)).toEqual(["completed"]);
    const stored = JSON.stringify(await storedEvents(cluster.db, contextId));
    expect(stored).toContain("answered through B");
  });

  it("starts exactly one run for sends to A and B at once on one context, 20 rounds", async () => {
    for (let round = 0; round < 20; round++) {
      const { context } = await mutate<{ context: { id: string } }>(
        browser.on(cluster.a),
        "context.create",
        { title: `one run ${round}` },
      );
      const answers = await Promise.all(
        [cluster.a, cluster.b].map(async (server) =>
          trpcResult(
            await browser.on(server).mutation("context.send", {
              contextId: context.id,
              // Stops at approval: the winner's run is still there when a slow loser arrives.
              text: "Please retry the failed deliveries",
            }),
          ),
        ),
      );
      expect({ round, statuses: answers.map((a) => a.status).sort() }).toEqual({
        round,
        statuses: [200, 409],
      });
      await settled(cluster.db, context.id, "waiting_for_approval");
      const runs = await column(cluster.db, "SELECT status FROM run WHERE context_id = ?", [
        context.id,
      ]);
      expect(runs).toEqual(["waiting_for_approval"]);
    }
  });

  // Last: it kills A.
  it("keeps a run waiting on A through A's SIGKILL, and resumes it on B's approval", async () => {
    const approval = await waitingOnA("Please retry the failed deliveries", "waiting_for_approval");
    const question = await waitingOnA("Ask me a question", "waiting_for_input");
    await cluster.a.stop("SIGKILL");
    const killedAt = Date.now();
    // Past the time within which a running run of a dead instance is marked interrupted.
    await new Promise((resolve) => setTimeout(resolve, OUTLIVE_MS - (Date.now() - killedAt)));
    expect(await runStatus(cluster.db, approval.runId)).toBe("waiting_for_approval");
    expect(await contextStatus(cluster.db, question.contextId)).toBe("waiting_for_input");

    await mutate(browser.on(cluster.b), "context.respondToApproval", {
      contextId: approval.contextId,
      toolCallId: approval.toolCallId,
      decision: "allow_once",
    });
    await mutate(browser.on(cluster.b), "context.submitInput", {
      contextId: question.contextId,
      toolCallId: question.toolCallId,
      value: "answered after A died",
    });
    for (const { contextId, runId } of [approval, question]) {
      await settled(cluster.db, contextId, "idle");
      expect(await runStatus(cluster.db, runId)).toBe("completed");
      expect(await endings(contextId, runId)).toEqual(["completed"]);
    }
  });
});
