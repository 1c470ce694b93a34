import { randomBytes } from "node:crypto";
import { beforeEach, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  changeRunStatus,
  claimRun,
  commitRunText,
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
  notify,
  releaseLeases,
  renewLeases,
  requestRunCancel,
  run,
  runsWithLapsedLease,
} from "./index.ts";

let db: Db;

const A = { owner: "inst_a", leaseMs: 10_000 };
const B = { owner: "inst_b", leaseMs: 10_000 };

/** A context with a user message and a run on it, leased to `lease`'s instance. */
async function runningRun(id: string, lease = A): Promise<void> {
  await insertContext(db, {
    id: `${id}_ctx`,
    contextGroup: "g",
    agentId: "helper",
    title: "T",
    autoTitle: false,
    now: 1,
  });
  await insertMessage(db, {
    id: `${id}_u`,
    contextId: `${id}_ctx`,
    role: "user",
    parts: "[]",
    runId: null,
    now: 1,
  });
  await insertRun(db, {
    id,
    contextId: `${id}_ctx`,
    agentId: "helper",
    triggerMessageId: `${id}_u`,
    now: 1,
    lease,
  });
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

  if (suite.dialect === "postgres") {
    it("take a reply's text in one statement: claim, message, events and notification", async () => {
      await runningRun("run_1");
      await insertMessage(db, {
        id: "run_1_a",
        contextId: "run_1_ctx",
        role: "assistant",
        parts: "[]",
        runId: "run_1",
        now: 2,
      });
      // Channels are shared by every schema of the test database: this test's own.
      const channel = `test_${randomBytes(6).toString("hex")}`;
      const listener = createListener(db, { onError: () => {} });
      const heard: string[] = [];
      listener.on(channel, (payload) => heard.push(payload));
      await listener.ready();
      const text = (
        parts: string,
        events: { type: string }[],
        lease = A,
        progress?: { usage: string; steps: number },
      ) =>
        commitRunText(db, {
          contextId: "run_1_ctx",
          runId: "run_1",
          lease,
          messageId: "run_1_a",
          parts,
          events,
          progress,
          now: 7,
          notify: { channel, payload: { before: "at ", after: "." } },
        });
      try {
        await lapse("run_1");
        const first = '[{"type":"text","text":"Hello"}]';
        expect(await text(first, [{ type: "message.part" }, { type: "message.delta" }])).toEqual([
          1, 2,
        ]);
        // The owner's lease is renewed, the message written, the events numbered and sent.
        expect(await lease("run_1")).toBeGreaterThan(Date.now());
        expect(
          (await get<{ parts: string }>(db, "SELECT parts FROM message WHERE id = ?", ["run_1_a"]))!
            .parts,
        ).toBe(first);
        expect((await listContextEvents(db, "run_1_ctx", 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
        expect(await getContextById(db, "run_1_ctx")).toMatchObject({
          last_seq: 2,
          last_activity_at: 7,
        });
        await expect.poll(() => heard).toEqual(["at 2."]);
        // At a step's end, the step's progress is recorded by the same statement.
        const usage = '{"inputTokens":3,"outputTokens":1,"totalTokens":4}';
        expect(await text(first, [{ type: "message.delta" }], A, { usage, steps: 1 })).toEqual([3]);
        expect(await getRun(db, "run_1")).toMatchObject({ usage, steps: 1 });
        await expect.poll(() => heard).toEqual(["at 2.", "at 3."]);

        // Another instance's claim does not hold: nothing is written, nothing is sent.
        expect(
          await text('[{"type":"text","text":"Stolen"}]', [{ type: "message.delta" }], B),
        ).toBeNull();
        // Nor once the run has ended.
        await finishRun(db, "run_1", { status: "completed", error: null, usage: "{}", now: 8 });
        expect(
          await text('[{"type":"text","text":"Late"}]', [{ type: "message.delta" }]),
        ).toBeNull();
        expect(
          (await get<{ parts: string }>(db, "SELECT parts FROM message WHERE id = ?", ["run_1_a"]))!
            .parts,
        ).toBe(first);
        expect((await getContextById(db, "run_1_ctx"))!.last_seq).toBe(3);
        expect(await listContextEvents(db, "run_1_ctx", 0, 10)).toHaveLength(3);
        // A notification sent after them arrives alone: the refused commits sent none.
        await notify(db, channel, "marker");
        await expect.poll(() => heard).toEqual(["at 2.", "at 3.", "marker"]);
      } finally {
        await listener.close();
      }
    });
  }
});
