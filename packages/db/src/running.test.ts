import { expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  changeContextStatus,
  countRunningInGroup,
  insertContext,
  observeQueries,
  runningAmong,
  runningOf,
  softDeleteContext,
} from "./index.ts";

describeEachDialect("running contexts", (suite) => {
  it("reads a group's running count and which of some ids run in one statement", async () => {
    const db = await suite.open();
    const add = async (id: string, group: string, running: boolean) => {
      await insertContext(db, {
        id,
        contextGroup: group,
        agentId: "helper",
        title: id,
        autoTitle: false,
        now: 1,
      });
      if (running) await changeContextStatus(db, id, ["idle"], "running", 2);
    };
    await add("a1", "group:a", true);
    await add("a2", "group:a", true);
    await add("a3", "group:a", false);
    await add("a4", "group:a", true);
    await softDeleteContext(db, "a4", 3);
    await add("b1", "group:b", true);
    await add("b2", "group:b", false);

    const statements: string[] = [];
    const stop = observeQueries(db, (query) => statements.push(query.sql));
    const found = await runningOf(db, "group:a", ["a1", "a3", "a4", "b1", "b2", "none"]);
    stop();
    expect(statements).toHaveLength(1);
    // The same answers as the two statements it replaces.
    expect(found.inGroup).toBe(await countRunningInGroup(db, "group:a"));
    expect(found.inGroup).toBe(2);
    expect(found.among.sort()).toEqual(
      (await runningAmong(db, ["a1", "a3", "a4", "b1", "b2", "none"])).sort(),
    );
    expect(await runningOf(db, "group:b", [])).toEqual({ inGroup: 1, among: [] });
    expect(await runningOf(db, "group:none", ["a2"])).toEqual({ inGroup: 0, among: ["a2"] });
  });
});
