// SIGKILL of an instance mid-run, ten times: each round A runs a reply (sent through A and
// acknowledged), A is killed, and B, which holds the conversation's stream, must mark the run
// interrupted within 15 s and say so on the stream. After every kill: every acknowledged message
// is there, the log is 1..last_seq without a gap, every event B's stream gave is the stored one,
// and exactly one run.finished closes each run. A is started again for the next round.
import type { ContextMessage } from "@agent-access/agents";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openEvents, type StreamedEvent, trpcResult } from "../../apps/server/test/harness.ts";
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

const ROUNDS = 10;
const INTERRUPTED_WITHIN_MS = 15_000;

describeCluster("SIGKILL of an instance mid-run", () => {
  let cluster: Cluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startCluster();
    browser = await agentBrowser(cluster, "tenant:crashes:user:1", { exchangeOn: cluster.b });
  });
  afterAll(() => cluster?.close());

  it(`marks a killed instance's run interrupted through the other within 15 s, ${ROUNDS} times`, async () => {
    const { context } = await mutate<{ context: { id: string } }>(
      browser.on(cluster.b),
      "context.create",
      { title: "killed mid-run" },
    );
    const contextId = context.id;
    const acknowledged = new Map<string, string>();
    const runIds: string[] = [];
    const seen = new Map<number, StreamedEvent["data"]>();
    const took: number[] = [];

    // B's stream of the conversation, held across every round: B is never killed.
    const stream = await openEvents(browser.on(cluster.b), contextId, 0);
    let streamError: unknown = null;
    const following = (async () => {
      try {
        for (;;) {
          const next = await stream.next(600_000);
          if (!next) return;
          seen.set(next.id, next.data);
        }
      } catch (error) {
        if (!/aborted/i.test(String(error))) streamError = error;
      }
    })();

    try {
      for (let round = 1; round <= ROUNDS; round++) {
        const what = `round ${round}`;
        if (round > 1) await cluster.a.restart();
        const text = `round ${round}: stream 2000 words`;
        const from = await lastSeq(cluster.db, contextId);
        const sent = await mutate<{ messageId: string; runId: string }>(
          browser.on(cluster.a),
          "context.send",
          { contextId, text },
        );
        acknowledged.set(sent.messageId, text);
        runIds.push(sent.runId);
        // Every third round the kill lands just after the acknowledgement; else mid-reply, after
        // a few committed deltas.
        const deltas = round % 3 === 0 ? 0 : 1 + (round % 5);
        await until(`${what}: ${deltas} deltas`, async () => {
          const count = (await storedEvents(cluster.db, contextId)).filter(
            (row) => row.seq > from && row.event.type === "message.delta",
          ).length;
          return count >= deltas ? true : undefined;
        });
        await cluster.a.stop("SIGKILL");
        const killedAt = Date.now();

        await until(
          `${what}: the run interrupted`,
          async () =>
            (await runStatus(cluster.db, sent.runId)) === "interrupted" ? true : undefined,
          { timeoutMs: INTERRUPTED_WITHIN_MS + 5_000, everyMs: 50 },
        );
        const elapsed = Date.now() - killedAt;
        took.push(elapsed);
        expect(elapsed, `${what}: interrupted after ${elapsed} ms`).toBeLessThanOrEqual(
          INTERRUPTED_WITHIN_MS,
        );
        await settled(cluster.db, contextId, "idle", 10_000);
        const end = await lastSeq(cluster.db, contextId);

        // B's stream says so: it reaches the end of the log, the run's finish among it.
        await until(`${what}: B's stream to reach ${end}`, () => {
          if (streamError) throw streamError;
          return seen.has(end) ? true : undefined;
        });
        const finished = [...seen.values()].filter(
          (event) => event.type === "run.finished" && event.runId === sent.runId,
        );
        expect(finished, what).toEqual([expect.objectContaining({ status: "interrupted" })]);

        // The log: 1..last_seq, one finish per run, and what B streamed is what is stored.
        const stored = await storedEvents(cluster.db, contextId);
        expect(
          stored.map((row) => row.seq),
          `${what}: the log`,
        ).toEqual(Array.from({ length: end }, (_, i) => i + 1));
        for (const runId of runIds) {
          const endings = stored.filter(
            (row) => row.event.type === "run.finished" && row.event.runId === runId,
          );
          expect(endings, `${what}: the endings of ${runId}`).toHaveLength(1);
        }
        expect(
          [...seen].sort(([a], [b]) => a - b),
          `${what}: B's stream`,
        ).toEqual(stored.map((row) => [row.seq, row.event]));

        // Every acknowledged message is there, read through B.
        const page = await trpcResult<{ items: ContextMessage[] }>(
          await browser.on(cluster.b).query("context.messages", { contextId, limit: 100 }),
        );
        const texts = new Map(
          page
            .data!.items.filter((message) => message.role === "user")
            .map((message) => [
              message.id,
              message.parts.map((part) => (part.type === "text" ? part.text : "")).join(""),
            ]),
        );
        for (const [messageId, sentText] of acknowledged) {
          expect(texts.get(messageId), `${what}: acknowledged ${messageId}`).toBe(sentText);
        }
      }

      // The conversation goes on, through B.
      const after = await mutate<{ runId: string }>(browser.on(cluster.b), "context.send", {
        contextId,
        text: "hello again",
      });
      await settled(cluster.db, contextId, "idle");
      expect(await runStatus(cluster.db, after.runId)).toBe("completed");
    } finally {
      stream.close();
      await following;
    }
    const sorted = [...took].sort((a, b) => a - b);
    console.log(
      `[multi] SIGKILL rounds: ${ROUNDS}, interrupted after ${sorted[0]}..${sorted.at(-1)} ms ` +
        `(median ${sorted[Math.floor(sorted.length / 2)]} ms)`,
    );
    expect(took).toHaveLength(ROUNDS);
  });
});
