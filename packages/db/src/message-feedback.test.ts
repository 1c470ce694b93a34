import { beforeEach, describe, expect, it } from "vitest";
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
  listMessages,
  migrate,
  openDatabase,
  setMessageFeedback,
} from "./index.ts";

let db: Db;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
});

const GROUP = "workspace:1:user:7";

/** A context with a user message and an assistant reply; returns the reply's id. */
function turn(contextId: string, group = GROUP): string {
  insertContext(db, {
    id: contextId,
    contextGroup: group,
    agentId: "helper",
    title: "T",
    autoTitle: false,
    now: 1,
  });
  insertMessage(db, {
    id: `${contextId}_u`,
    contextId,
    role: "user",
    parts: "[]",
    runId: null,
    now: 1,
  });
  insertRun(db, {
    id: `${contextId}_r`,
    contextId,
    agentId: "helper",
    triggerMessageId: `${contextId}_u`,
    now: 1,
  });
  insertMessage(db, {
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

describe("message feedback", () => {
  it("keeps one rating per message: a second replaces the first, keeping when it was first given", () => {
    const reply = turn("ctx_a");
    rate(reply, "ctx_a", "good", 10);
    const changed = setMessageFeedback(db, {
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
    const listed = listMessages(db, "ctx_a", { limit: 10 });
    expect(listed.map((m) => [m.id, m.feedback_rating, m.feedback_comment, m.run_status])).toEqual([
      ["ctx_a_u", null, null, null],
      [reply, "bad", "wrong figures", "running"],
    ]);
  });

  it("is taken back only in the context named", () => {
    const reply = turn("ctx_a");
    turn("ctx_b");
    rate(reply, "ctx_a", "good", 10);
    expect(clearMessageFeedback(db, "ctx_b", reply)).toBe(false);
    expect(clearMessageFeedback(db, "ctx_a", reply)).toBe(true);
    expect(clearMessageFeedback(db, "ctx_a", reply)).toBe(false);
  });

  it("goes with its message when a turn is replaced", () => {
    const reply = turn("ctx_a");
    rate(reply, "ctx_a", "good", 10);
    deleteMessagesAfter(db, "ctx_a", 1);
    expect(listGroupFeedback(db, GROUP, { limit: 10 })).toEqual([]);
  });

  it("lists a group's ratings only, newest change first, a page at a time, with filters", () => {
    const a = turn("ctx_a");
    const b = turn("ctx_b");
    const other = turn("ctx_c", "workspace:2:user:7");
    rate(a, "ctx_a", "good", 10);
    rate(b, "ctx_b", "bad", 20);
    rate(other, "ctx_c", "bad", 30, "workspace:2:user:7");
    const ids = (rows: { message_id: string }[]) => rows.map((row) => row.message_id);
    expect(ids(listGroupFeedback(db, GROUP, { limit: 10 }))).toEqual([b, a]);
    const first = listGroupFeedback(db, GROUP, { limit: 1 });
    expect(ids(first)).toEqual([b]);
    const after = { updatedAt: first[0]!.updated_at, messageId: first[0]!.message_id };
    expect(ids(listGroupFeedback(db, GROUP, { after, limit: 10 }))).toEqual([a]);
    expect(ids(listGroupFeedback(db, GROUP, { limit: 10, rating: "good" }))).toEqual([a]);
    expect(ids(listGroupFeedback(db, GROUP, { limit: 10, contextId: "ctx_b" }))).toEqual([b]);
    expect(ids(listGroupFeedback(db, GROUP, { limit: 10, contextId: "ctx_c" }))).toEqual([]);
  });

  it("is erased with its context and with its group, and counted", () => {
    const a = turn("ctx_a");
    const b = turn("ctx_b");
    rate(a, "ctx_a", "good", 10);
    rate(b, "ctx_b", "bad", 20);
    expect(eraseContext(db, "ctx_a").counts.feedback).toBe(1);
    expect(ids()).toEqual([b]);
    expect(eraseGroup(db, GROUP).counts.feedback).toBe(1);
    expect(ids()).toEqual([]);
    function ids() {
      return listGroupFeedback(db, GROUP, { limit: 10 }).map((row) => row.message_id);
    }
  });
});
