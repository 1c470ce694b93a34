import { beforeEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  type AgentScope,
  appendContextEvents,
  changeContextStatus,
  type Db,
  findContext,
  insertContext,
  listContextEvents,
  listContexts,
  setContextTitle,
  setModelTitle,
  softDeleteContext,
  transaction,
} from "./index.ts";

let db: Db;
describeEachDialect("contexts", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  const scope: AgentScope = { contextGroup: "workspace:1:user:7", agentIds: ["helper", "other"] };

  async function add(
    id: string,
    title: string,
    at: number,
    group = scope.contextGroup,
    agent = "helper",
  ) {
    await insertContext(db, {
      id,
      contextGroup: group,
      agentId: agent,
      title,
      autoTitle: false,
      now: at,
    });
  }

  describe("the tenant rule", () => {
    it("reaches a context only from its group, with its agent, while not deleted", async () => {
      await add("ctx_a", "A", 1);
      expect((await findContext(db, scope, "ctx_a"))?.id).toBe("ctx_a");
      expect(await findContext(db, { ...scope, contextGroup: "workspace:2:user:7" }, "ctx_a")).toBe(
        undefined,
      );
      // A group that merely starts with the same text is another group.
      expect(await findContext(db, { ...scope, contextGroup: "workspace:1" }, "ctx_a")).toBe(
        undefined,
      );
      expect(await findContext(db, { ...scope, agentIds: ["other"] }, "ctx_a")).toBe(undefined);
      expect(await findContext(db, { ...scope, agentIds: [] }, "ctx_a")).toBe(undefined);
      await softDeleteContext(db, "ctx_a", 2);
      expect(await findContext(db, scope, "ctx_a")).toBe(undefined);
    });

    it("lists only the scope's contexts, newest activity first, in stable pages", async () => {
      await add("ctx_1", "one", 10);
      await add("ctx_2", "two", 20);
      await add("ctx_3", "three", 20);
      await add("ctx_x", "foreign", 30, "workspace:2:user:7");
      await add("ctx_y", "other agent", 30, scope.contextGroup, "not-in-session");
      const first = await listContexts(db, scope, { limit: 2 });
      expect(first.map((c) => c.id)).toEqual(["ctx_3", "ctx_2"]);
      await add("ctx_4", "newer", 40);
      const last = first.at(-1)!;
      const second = await listContexts(db, scope, {
        limit: 2,
        after: { lastActivityAt: last.last_activity_at, id: last.id },
      });
      expect(second.map((c) => c.id)).toEqual(["ctx_1"]);
    });

    it("searches titles literally, escaping LIKE's wildcards, and filters by status and agent", async () => {
      await add("ctx_1", "100% done", 1);
      await add("ctx_2", "1000 done", 2);
      await add("ctx_3", "a_b", 3);
      await add("ctx_4", "axb", 4, scope.contextGroup, "other");
      expect((await listContexts(db, scope, { limit: 10, search: "0%" })).map((c) => c.id)).toEqual(
        ["ctx_1"],
      );
      expect(
        (await listContexts(db, scope, { limit: 10, search: "a_b" })).map((c) => c.id),
      ).toEqual(["ctx_3"]);
      expect(
        (await listContexts(db, scope, { limit: 10, agentId: "other" })).map((c) => c.id),
      ).toEqual(["ctx_4"]);
      expect(await changeContextStatus(db, "ctx_2", ["idle"], "running", 5)).toBe(true);
      expect(
        (await listContexts(db, scope, { limit: 10, status: "running" })).map((c) => c.id),
      ).toEqual(["ctx_2"]);
    });

    it("changes status conditionally, so only one of two claims wins", async () => {
      await add("ctx_a", "A", 1);
      expect(await changeContextStatus(db, "ctx_a", ["idle"], "running", 2)).toBe(true);
      expect(await changeContextStatus(db, "ctx_a", ["idle"], "running", 3)).toBe(false);
    });
  });

  describe("the context event log", () => {
    it("numbers events without gaps across batches and keeps them in order", async () => {
      await add("ctx_a", "A", 1);
      const append = (types: string[]) =>
        transaction(
          db,
          async (tx) =>
            await appendContextEvents(
              tx,
              "ctx_a",
              types.map((type) => ({ type })),
              5,
            ),
        );
      expect(await append(["a", "b"])).toEqual([1, 2]);
      expect(await append(["c"])).toEqual([3]);
      expect((await listContextEvents(db, "ctx_a", 1, 10)).map((e) => [e.seq, e.type])).toEqual([
        [2, "b"],
        [3, "c"],
      ]);
      expect(await findContext(db, scope, "ctx_a")).toMatchObject({
        last_seq: 3,
        last_activity_at: 5,
      });
    });

    it("refuses to append outside a transaction, where the message rows could disagree", async () => {
      await add("ctx_a", "A", 1);
      await expect(appendContextEvents(db, "ctx_a", [{ type: "a" }], 2)).rejects.toThrow(
        /transaction/,
      );
    });
  });

  describe("setModelTitle", () => {
    it("names a conversation whose title is the engine's own, once, and never over the user's", async () => {
      await insertContext(db, {
        id: "ctx_auto",
        contextGroup: scope.contextGroup,
        agentId: "helper",
        title: "How are my…",
        autoTitle: true,
        now: 1,
      });
      expect(await setModelTitle(db, "ctx_auto", "Webhook health", 2)).toEqual({
        title: "Webhook health",
        status: "idle",
      });
      expect(await findContext(db, scope, "ctx_auto")).toMatchObject({
        title: "Webhook health",
        auto_title: 0,
        updated_at: 2,
      });
      expect(await setModelTitle(db, "ctx_auto", "Another", 3)).toBeUndefined();
      await add("ctx_user", "Mine", 1);
      await setContextTitle(db, "ctx_user", "Renamed", false, 2);
      expect(await setModelTitle(db, "ctx_user", "Model's", 3)).toBeUndefined();
      expect((await findContext(db, scope, "ctx_user"))?.title).toBe("Renamed");
    });
  });
});
