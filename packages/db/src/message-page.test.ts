import { beforeEach, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  appendContextEvents,
  type Db,
  insertContext,
  insertMessage,
  lockContext,
  messagePage,
  observeQueries,
  softDeleteContext,
  transaction,
} from "./index.ts";

let db: Db;

const GROUP = "workspace:1:user:7";
const SCOPE = { contextGroup: GROUP, agentIds: ["helper"] };

/** A context of `count` user messages m1..mN, and `events` events in its log. */
async function context(id: string, count: number, events = 0, group = GROUP): Promise<void> {
  await insertContext(db, {
    id,
    contextGroup: group,
    agentId: "helper",
    title: "T",
    autoTitle: false,
    now: 1,
  });
  for (let i = 1; i <= count; i++) {
    await insertMessage(db, {
      id: `${id}_m${i}`,
      contextId: id,
      role: "user",
      parts: JSON.stringify([{ type: "text", text: `message ${i}` }]),
      runId: null,
      now: i,
    });
  }
  if (events > 0) {
    await transaction(db, (tx) =>
      appendContextEvents(
        tx,
        id,
        Array.from({ length: events }, () => ({ type: "context.updated" })),
        1,
      ),
    );
  }
}

function ids(page: Awaited<ReturnType<typeof messagePage>>): string[] {
  if (typeof page === "string") throw new Error(page);
  return page.rows.map((row) => row.id);
}

describeEachDialect("a page of messages", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  it("reads the newest messages oldest first, with the context's last seq", async () => {
    await context("ctx_a", 5, 3);
    const page = await messagePage(db, "ctx_a", { scope: SCOPE, limit: 3 });
    expect(ids(page)).toEqual(["ctx_a_m3", "ctx_a_m4", "ctx_a_m5"]);
    expect(page).toMatchObject({ lastSeq: 3 });
  });

  it("reads the messages before a cursor, and says when the cursor is not of the context", async () => {
    await context("ctx_a", 5);
    await context("ctx_b", 2);
    expect(
      ids(await messagePage(db, "ctx_a", { scope: SCOPE, before: "ctx_a_m4", limit: 2 })),
    ).toEqual(["ctx_a_m2", "ctx_a_m3"]);
    expect(
      ids(await messagePage(db, "ctx_a", { scope: SCOPE, before: "ctx_a_m1", limit: 2 })),
    ).toEqual([]);
    expect(await messagePage(db, "ctx_a", { scope: SCOPE, before: "ctx_b_m1", limit: 2 })).toBe(
      "no cursor",
    );
    expect(await messagePage(db, "ctx_a", { scope: SCOPE, before: "nope", limit: 2 })).toBe(
      "no cursor",
    );
  });

  it(`reads a page in ${suite.dialect === "postgres" ? "one round trip" : "two statements"}`, async () => {
    await context("ctx_a", 5, 3);
    const statements: string[] = [];
    const stop = observeQueries(db, (query) => statements.push(query.sql));
    try {
      expect(ids(await messagePage(db, "ctx_a", { scope: SCOPE, limit: 2 }))).toEqual([
        "ctx_a_m4",
        "ctx_a_m5",
      ]);
      expect(
        ids(await messagePage(db, "ctx_a", { scope: SCOPE, before: "ctx_a_m4", limit: 2 })),
      ).toEqual(["ctx_a_m2", "ctx_a_m3"]);
    } finally {
      stop();
    }
    // On PostgreSQL each statement is a round trip; the context, the cursor and the page are one.
    expect(statements).toHaveLength(suite.dialect === "postgres" ? 2 : 4);
  });

  it("answers an empty context with no rows and its last seq", async () => {
    await context("ctx_a", 0, 2);
    expect(await messagePage(db, "ctx_a", { scope: SCOPE, limit: 10 })).toEqual({
      lastSeq: 2,
      rows: [],
    });
  });

  it("finds no context outside the scope, deleted, or unknown", async () => {
    await context("ctx_other", 2, 0, "workspace:2:user:1");
    await context("ctx_gone", 2);
    await softDeleteContext(db, "ctx_gone", 5);
    for (const id of ["ctx_other", "ctx_gone", "ctx_none"]) {
      expect(await messagePage(db, id, { scope: SCOPE, limit: 10 })).toBe("no context");
    }
    // An agent the scope does not hold.
    await context("ctx_a", 1);
    expect(
      await messagePage(db, "ctx_a", {
        scope: { contextGroup: GROUP, agentIds: ["other"] },
        limit: 5,
      }),
    ).toBe("no context");
    // Without a scope (the host API): any live context, in any group, but not a deleted one.
    expect(ids(await messagePage(db, "ctx_other", { limit: 10 }))).toEqual([
      "ctx_other_m1",
      "ctx_other_m2",
    ]);
    expect(await messagePage(db, "ctx_gone", { limit: 10 })).toBe("no context");
  });

  it("gives the last seq of the page's own moment while messages are written", async () => {
    await context("ctx_a", 0);
    // Each write is a message and its event in one transaction, the context locked as the
    // engine locks it: the message of seq k comes with the event of seq k.
    const write = (k: number) =>
      transaction(db, async (tx) => {
        await lockContext(tx, "ctx_a");
        await insertMessage(tx, {
          id: `ctx_a_m${k}`,
          contextId: "ctx_a",
          role: "user",
          parts: "[]",
          runId: null,
          now: k,
        });
        await appendContextEvents(tx, "ctx_a", [{ type: "context.updated" }], k);
      });
    const pages = await Promise.all(
      Array.from({ length: 120 }, (_, k) =>
        k % 2 === 0 ? write(k / 2 + 1) : messagePage(db, "ctx_a", { scope: SCOPE, limit: 5 }),
      ),
    );
    let nonEmpty = 0;
    for (const page of pages) {
      if (page === undefined) continue;
      if (typeof page === "string") throw new Error(page);
      const newest = page.rows.at(-1);
      // A stream resumed from lastSeq gets exactly the events after the newest message shown.
      expect(page.lastSeq).toBe(newest?.seq ?? 0);
      if (newest) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(0);
  });
});
