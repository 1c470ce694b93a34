import { describeEachDialect } from "@agent-access/db/testing";
import { describe, expect, it } from "vitest";
import { matchesWhole } from "./context-groups.ts";

describeEachDialect("context-groups", () => {
  describe("matchesWhole", () => {
    it("matches the whole group, whatever anchors the pattern has", () => {
      expect(matchesWhole(/shop:\d+/, "shop:3")).toBe(true);
      expect(matchesWhole(/shop:\d+/, "shop:3:staff:9")).toBe(false);
      expect(matchesWhole(/shop:\d+/, "my-shop:3")).toBe(false);
      expect(matchesWhole(/^shop:\d+$/, "shop:3")).toBe(true);
      // An alternation is anchored as a whole, not only its first and last branch.
      expect(matchesWhole(/a|b:\d+/, "a:1")).toBe(false);
    });

    it("gives the same answer every time for a pattern with the g or y flag", () => {
      const pattern = /team-\d+/gy;
      expect([1, 2, 3].map(() => matchesWhole(pattern, "team-7"))).toEqual([true, true, true]);
    });
  });
});
