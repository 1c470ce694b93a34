import { beforeEach, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  clearMessageFeedback,
  type Db,
  deleteMessagesAfter,
  eraseContext,
  eraseGroup,
  insertContext,
  insertMessage,
  insertRun,
  listGroupFeedback,
  messagePage,
  setMessageFeedback,
} from "./index.ts";

let db: Db;

const GROUP = "workspace:1:user:7";

/** A context with a user message and an assistant reply; returns the reply's id. */
async function turn(contextId: string, group = GROUP): Promise<string> {
  await insertContext(db, {
    id: contextId,
    contextGroup: group,
    agentId: "helper",
    title: "T",
    autoTitle: false,
    now: 1,
  });
  await insertMessage(db, {
    id: `${contextId}_u`,
    contextId,
    role: "user",
    parts: "[]",
    runId: null,
    now: 1,
  });
  await insertRun(db, {
    id: `${contextId}_r`,
    contextId,
    agentId: "helper",
    triggerMessageId: `${contextId}_u`,
    now: 1,
    lease: { owner: "inst_test", leaseMs: 10_000 },
  });
  await insertMessage(db, {
    id: `${contextId}_a`,
    contextId,
    role: "assistant",
    parts: "[]",
    runId: `${contextId}_r`,
    now: 1,
  });
  return `${contextId}_a`;
}

function rate(
  messageId: string,
  contextId: string,
  rating: "good" | "bad",
  now: number,
  group = GROUP,
) {
  return setMessageFeedback(db, {
    messageId,
    contextId,
    contextGroup: group,
    rating,
    comment: null,
    now,
  });
}

describeEachDialect("message feedback", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  it("keeps one rating per message: a second replaces the first, keeping when it was first given", async () => {
    const reply = await turn("ctx_a");
    await rate(reply, "ctx_a", "good", 10);
    const changed = await setMessageFeedback(db, {
      messageId: reply,
      contextId: "ctx_a",
      contextGroup: GROUP,
      rating: "bad",
      comment: "wrong figures",
      now: 20,
    });
    expect(changed).toMatchObject({
      rating: "bad",
      comment: "wrong figures",
      created_at: 10,
      updated_at: 20,
    });
    const page = await messagePage(db, "ctx_a", { limit: 10 });
    if (typeof page === "string") throw new Error(page);
    expect(
      page.rows.map((m) => [m.id, m.feedback_rating, m.feedback_comment, m.run_status]),
    ).toEqual([
      ["ctx_a_u", null, null, null],
      [reply, "bad", "wrong figures", "running"],
    ]);
  });

  it("is taken back only in the context named", async () => {
    const reply = await turn("ctx_a");
    await turn("ctx_b");
    await rate(reply, "ctx_a", "good", 10);
    expect(await clearMessageFeedback(db, "ctx_b", reply)).toBe(false);
    expect(await clearMessageFeedback(db, "ctx_a", reply)).toBe(true);
    expect(await clearMessageFeedback(db, "ctx_a", reply)).toBe(false);
  });

  it("goes with its message when a turn is replaced", async () => {
    const reply = await turn("ctx_a");
    await rate(reply, "ctx_a", "good", 10);
    await deleteMessagesAfter(db, "ctx_a", 1);
    expect(await listGroupFeedback(db, GROUP, { limit: 10 })).toEqual([]);
  });

  it("lists a group's ratings only, newest change first, a page at a time, with filters", async () => {
    const a = await turn("ctx_a");
    const b = await turn("ctx_b");
    const other = await turn("ctx_c", "workspace:2:user:7");
    await rate(a, "ctx_a", "good", 10);
    await rate(b, "ctx_b", "bad", 20);
    await rate(other, "ctx_c", "bad", 30, "workspace:2:user:7");
    const ids = async (rows: Promise<{ message_id: string }[]>) =>
      (await rows).map((row) => row.message_id);
    expect(await ids(listGroupFeedback(db, GROUP, { limit: 10 }))).toEqual([b, a]);
    const first = await listGroupFeedback(db, GROUP, { limit: 1 });
    expect(first.map((row) => row.message_id)).toEqual([b]);
    const after = { updatedAt: first[0]!.updated_at, messageId: first[0]!.message_id };
    expect(await ids(listGroupFeedback(db, GROUP, { after, limit: 10 }))).toEqual([a]);
    expect(await ids(listGroupFeedback(db, GROUP, { limit: 10, rating: "good" }))).toEqual([a]);
    expect(await ids(listGroupFeedback(db, GROUP, { limit: 10, contextId: "ctx_b" }))).toEqual([b]);
    expect(await ids(listGroupFeedback(db, GROUP, { limit: 10, contextId: "ctx_c" }))).toEqual([]);
  });

  it("is erased with its context and with its group, and counted", async () => {
    const a = await turn("ctx_a");
    const b = await turn("ctx_b");
    await rate(a, "ctx_a", "good", 10);
    await rate(b, "ctx_b", "bad", 20);
    expect((await eraseContext(db, "ctx_a")).counts.feedback).toBe(1);
    expect(await ids()).toEqual([b]);
    expect((await eraseGroup(db, GROUP)).counts.feedback).toBe(1);
    expect(await ids()).toEqual([]);
    async function ids() {
      return (await listGroupFeedback(db, GROUP, { limit: 10 })).map((row) => row.message_id);
    }
  });
});
