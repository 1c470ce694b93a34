import { randomBytes } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  changeRunStatus,
  claimRun,
  commitRunTexts,
  createListener,
  type Db,
  finishRun,
  get,
  getContextById,
  getRun,
  insertContext,
  insertMessage,
  insertRun,
  listContextEvents,
  lockContext,
  notify,
  type RunText,
  releaseLeases,
  renewLeases,
  requestRunCancel,
  run,
  runsWithLapsedLease,
  transaction,
} from "./index.ts";

let db: Db;

const A = { owner: "inst_a", leaseMs: 10_000 };
const B = { owner: "inst_b", leaseMs: 10_000 };

/**
 * A context with a user message and a run on it, leased to `lease`'s instance, and with `reply`
 * the run's assistant message (`${id}_a`), empty.
 */
async function runningRun(id: string, lease = A, { reply = false } = {}): Promise<void> {
  await insertContext(db, {
    id: `${id}_ctx`,
    contextGroup: "g",
    agentId: "helper",
    title: "T",
    autoTitle: false,
    now: 1,
  });
  const message = (suffix: string, role: "user" | "assistant", runId: string | null) =>
    insertMessage(db, {
      id: `${id}_${suffix}`,
      contextId: `${id}_ctx`,
      role,
      parts: "[]",
      runId,
      now: 1,
    });
  await message("u", "user", null);
  await insertRun(db, {
    id,
    contextId: `${id}_ctx`,
    agentId: "helper",
    triggerMessageId: `${id}_u`,
    now: 1,
    lease,
  });
  if (reply) await message("a", "assistant", id);
}

/** Moves the run's lease into the past, as time passing without a renewal would. */
async function lapse(id: string): Promise<void> {
  await run(db, "UPDATE run SET lease_until = lease_until - 60000 WHERE id = ?", [id]);
}

/** When the run's lease ends (epoch ms, the database's clock), or null. */
async function lease(id: string): Promise<number | null> {
  return (await getRun(db, id))!.lease_until;
}

describeEachDialect("runs", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  it("are leased from the start to the instance that began them, on the database's clock", async () => {
    await runningRun("run_1");
    const row = (await getRun(db, "run_1"))!;
    expect(row).toMatchObject({ status: "running", owner: "inst_a", cancel_requested_at: null });
    expect(Math.abs(row.lease_until! - (Date.now() + 10_000))).toBeLessThan(5_000);
  });

  it("lose the lease when they wait, and are leased to whoever resumes them", async () => {
    await runningRun("run_1");
    await requestRunCancel(db, "run_1", 5);
    expect(await changeRunStatus(db, "run_1", "running", "waiting_for_input")).toBe(true);
    expect(await getRun(db, "run_1")).toMatchObject({ owner: "inst_a", lease_until: null });
    expect(await changeRunStatus(db, "run_1", "waiting_for_input", "running", B)).toBe(true);
    expect(await getRun(db, "run_1")).toMatchObject({
      status: "running",
      owner: "inst_b",
      cancel_requested_at: null,
    });
    expect(await lease("run_1")).not.toBeNull();
    await expect(changeRunStatus(db, "run_1", "running", "running")).rejects.toThrow(/lease/);
  });

  it("are claimed by their owner only while running, which renews the lease", async () => {
    await runningRun("run_1");
    await lapse("run_1");
    const lapsed = (await lease("run_1"))!;
    expect(await claimRun(db, "run_1", "owner", B)).toBe(false);
    expect(await claimRun(db, "run_1", "owner", A)).toBe(true);
    expect((await lease("run_1"))!).toBeGreaterThan(lapsed);
    await changeRunStatus(db, "run_1", "running", "waiting_for_approval");
    expect(await claimRun(db, "run_1", "owner", A)).toBe(false);
  });

  it("are claimed as expired only once their lease lapsed, by one instance", async () => {
    await runningRun("run_1");
    expect(await claimRun(db, "run_1", "expired", B)).toBe(false);
    expect(await runsWithLapsedLease(db)).toEqual([]);
    await lapse("run_1");
    expect((await runsWithLapsedLease(db)).map((r) => r.id)).toEqual(["run_1"]);
    expect(await claimRun(db, "run_1", "expired", B)).toBe(true);
    expect(await getRun(db, "run_1")).toMatchObject({ owner: "inst_b", lease_until: null });
    // The old owner's next commit is refused; the claim leaves no lease to lapse twice.
    expect(await claimRun(db, "run_1", "owner", A)).toBe(false);
    await finishRun(db, "run_1", { status: "interrupted", error: null, usage: "{}", now: 2 });
    expect(await claimRun(db, "run_1", "expired", A)).toBe(false);
    expect(await runsWithLapsedLease(db)).toEqual([]);
  });

  it("are claimed as running or waiting only in that status", async () => {
    await runningRun("run_1");
    expect(await claimRun(db, "run_1", "waiting", B)).toBe(false);
    expect(await claimRun(db, "run_1", "running", B)).toBe(true);
    await runningRun("run_2");
    await changeRunStatus(db, "run_2", "running", "waiting_for_approval");
    expect(await claimRun(db, "run_2", "running", B)).toBe(false);
    expect(await claimRun(db, "run_2", "waiting", B)).toBe(true);
    await finishRun(db, "run_2", { status: "cancelled", error: null, usage: "{}", now: 2 });
    expect(await claimRun(db, "run_2", "waiting", B)).toBe(false);
  });

  it("renew on the heartbeat only the given runs the instance still holds, with their cancel requests", async () => {
    await runningRun("run_1");
    await runningRun("run_2");
    await runningRun("run_3", B);
    await runningRun("run_4");
    await changeRunStatus(db, "run_4", "running", "waiting_for_input");
    for (const id of ["run_1", "run_2", "run_3"]) await lapse(id);
    expect(await requestRunCancel(db, "run_2", 7)).toBe(true);
    expect(await requestRunCancel(db, "run_4", 7)).toBe(false);
    const renewed = await renewLeases(db, A, ["run_2", "run_3", "run_4", "run_missing"]);
    expect(renewed).toEqual([{ id: "run_2", cancel_requested_at: 7 }]);
    expect(await renewLeases(db, A, [])).toEqual([]);
    expect((await runsWithLapsedLease(db)).map((r) => r.id)).toEqual(["run_1", "run_3"]);
  });

  it("are given up on shutdown: the instance's running runs count as lapsed at once", async () => {
    await runningRun("run_1");
    await runningRun("run_2", B);
    await releaseLeases(db, "inst_a");
    expect((await runsWithLapsedLease(db)).map((r) => r.id)).toEqual(["run_1"]);
    expect(await get(db, "SELECT lease_until FROM run WHERE id = 'run_2'")).not.toEqual({
      lease_until: null,
    });
  });

  const partsOf = async (id: string) =>
    (await get<{ parts: string }>(db, "SELECT parts FROM message WHERE id = ?", [`${id}_a`]))!
      .parts;

  /** Text for run `id`'s reply: its parts, events of `types`, and maybe a step's progress. */
  const textFor = (
    id: string,
    parts: string,
    types: string[],
    progress?: { usage: string; steps: number },
  ): RunText => ({
    contextId: `${id}_ctx`,
    runId: id,
    messageId: `${id}_a`,
    parts,
    events: types.map((type) => ({ type })),
    progress,
    notify: { before: `${id} at `, after: "." },
  });

  /** Runs run_1 and run_3 of instance A and run_2 of instance B, each with its reply. */
  async function threeRuns(): Promise<void> {
    await runningRun("run_1", A, { reply: true });
    await runningRun("run_2", B, { reply: true });
    await runningRun("run_3", A, { reply: true });
  }

  it("take several replies' texts in one commit, each only where its run's claim holds", async () => {
    await threeRuns();
    await lapse("run_1");
    const hello = '[{"type":"text","text":"Hello"}]';
    const usage = '{"inputTokens":3,"outputTokens":1,"totalTokens":4}';
    const seqs = await commitRunTexts(db, {
      lease: A,
      now: 7,
      channel: "unheard",
      texts: [
        textFor("run_1", hello, ["message.part", "message.delta"]),
        textFor("run_2", '[{"type":"text","text":"Stolen"}]', ["message.part"]),
        textFor("run_3", hello, ["message.part"], { usage, steps: 1 }),
      ],
    });
    expect(seqs).toEqual([[1, 2], null, [1]]);
    // The owner's lease is renewed, the messages written, the events numbered, the progress
    // recorded; of the text whose claim failed (another instance's run), nothing.
    expect(await lease("run_1")).toBeGreaterThan(Date.now());
    expect(await partsOf("run_1")).toBe(hello);
    expect(await partsOf("run_2")).toBe("[]");
    expect(await partsOf("run_3")).toBe(hello);
    expect((await listContextEvents(db, "run_1_ctx", 0, 10)).map((e) => e.type)).toEqual([
      "message.part",
      "message.delta",
    ]);
    expect(await listContextEvents(db, "run_2_ctx", 0, 10)).toEqual([]);
    expect(await getContextById(db, "run_1_ctx")).toMatchObject({
      last_seq: 2,
      last_activity_at: 7,
    });
    expect(await getContextById(db, "run_2_ctx")).toMatchObject({ last_seq: 0 });
    expect(await getRun(db, "run_3")).toMatchObject({ usage, steps: 1 });
    expect(await getRun(db, "run_1")).toMatchObject({ usage: null, steps: 0 });

    // The next batch numbers on; a run that ended takes no more text.
    await finishRun(db, "run_3", { status: "completed", error: null, usage: "{}", now: 8 });
    expect(
      await commitRunTexts(db, {
        lease: A,
        now: 9,
        channel: "unheard",
        texts: [
          textFor("run_3", '[{"type":"text","text":"Late"}]', ["message.delta"]),
          textFor("run_1", hello, ["message.delta"]),
        ],
      }),
    ).toEqual([null, [3]]);
    expect(await partsOf("run_3")).toBe(hello);
    expect((await getContextById(db, "run_3_ctx"))!.last_seq).toBe(1);

    // A text alone (its own form of the statement on PostgreSQL) does the same.
    const more = '[{"type":"text","text":"Hello there"}]';
    const alone = (lease: typeof A) =>
      commitRunTexts(db, {
        lease,
        now: 10,
        channel: "unheard",
        texts: [textFor("run_1", more, ["message.delta"], { usage, steps: 2 })],
      });
    expect(await alone(B)).toEqual([null]);
    expect(await partsOf("run_1")).toBe(hello);
    expect(await alone(A)).toEqual([[4]]);
    expect(await partsOf("run_1")).toBe(more);
    expect(await getRun(db, "run_1")).toMatchObject({ usage, steps: 2 });
    expect(await getContextById(db, "run_1_ctx")).toMatchObject({
      last_seq: 4,
      last_activity_at: 10,
    });
  });

  it("refuse a batch with two texts of one context, and write nothing of it", async () => {
    await runningRun("run_1", A, { reply: true });
    const text = textFor("run_1", '[{"type":"text","text":"Hi"}]', ["message.part"]);
    await expect(
      commitRunTexts(db, { lease: A, now: 7, channel: "unheard", texts: [text, text] }),
    ).rejects.toThrow(/one text per context/);
    expect(await partsOf("run_1")).toBe("[]");
    expect((await getContextById(db, "run_1_ctx"))!.last_seq).toBe(0);
  });

  if (suite.dialect === "postgres") {
    it("commit a batch's other texts while one's context is held, and that one after", async () => {
      for (const id of ["run_1", "run_2"]) {
        await runningRun(id, A, { reply: true });
      }
      const hello = '[{"type":"text","text":"Hello"}]';
      let committed: Promise<(number[] | null)[]> | undefined;
      const holder = transaction(db, async (tx) => {
        await lockContext(tx, "run_2_ctx");
        committed = commitRunTexts(db, {
          lease: A,
          now: 7,
          channel: "unheard",
          texts: [
            textFor("run_1", hello, ["message.part"]),
            textFor("run_2", hello, ["message.part"]),
          ],
        });
        // The text whose context is free is committed while the other's is held.
        await expect.poll(() => partsOf("run_1")).toBe(hello);
        expect(await partsOf("run_2")).toBe("[]");
      });
      await holder;
      expect(await committed).toEqual([[1], [1]]);
      expect(await partsOf("run_2")).toBe(hello);
    });

    it("send each committed text's notification, and none for a refused one", async () => {
      // Channels are shared by every schema of the test database: this test's own.
      const channel = `test_${randomBytes(6).toString("hex")}`;
      const listener = createListener(db, { onError: () => {} });
      const heard: string[] = [];
      listener.on(channel, (payload) => heard.push(payload));
      await listener.ready();
      try {
        await threeRuns();
        const hello = '[{"type":"text","text":"Hello"}]';
        await commitRunTexts(db, {
          lease: A,
          now: 7,
          channel,
          texts: [
            textFor("run_3", hello, ["message.part"]),
            textFor("run_2", hello, ["message.part"]),
            textFor("run_1", hello, ["message.part", "message.delta"]),
          ],
        });
        await expect.poll(() => heard.slice().sort()).toEqual(["run_1 at 2.", "run_3 at 1."]);
        // A notification sent after them arrives after them: the refused text sent none.
        await notify(db, channel, "marker");
        await expect.poll(() => heard.length).toBe(3);
        expect(heard[2]).toBe("marker");
      } finally {
        await listener.close();
      }
    });
  }
});
