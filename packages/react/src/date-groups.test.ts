// groupContextsByDate: local calendar days, not 24-hour spans, and the list's order kept.
import { describe, expect, it } from "vitest";
import { dateGroupOf, groupContextsByDate } from "./date-groups.ts";

/** A local time: the same wall-clock moment in whatever zone the tests run in. */
const local = (month: number, day: number, hour: number, minute = 0) =>
  new Date(2026, month - 1, day, hour, minute).getTime();

describe("groupContextsByDate", () => {
  const now = local(12, 10, 0, 30); // half past midnight on 10 December

  it("puts a moment in today, yesterday, the previous 7 days or older by local day", () => {
    expect(dateGroupOf(local(12, 10, 0, 0), now)).toBe("today");
    // Minutes ago, but before midnight: yesterday, not today.
    expect(dateGroupOf(local(12, 9, 23, 59), now)).toBe("yesterday");
    expect(dateGroupOf(local(12, 9, 0, 0), now)).toBe("yesterday");
    expect(dateGroupOf(local(12, 8, 23, 0), now)).toBe("previous7Days");
    expect(dateGroupOf(local(12, 3, 0, 0), now)).toBe("previous7Days");
    expect(dateGroupOf(local(12, 2, 23, 59), now)).toBe("older");
    // A moment after `now` (a clock ahead of the browser's) is today.
    expect(dateGroupOf(local(12, 10, 9, 0), now)).toBe("today");
  });

  it("groups in the order Today, Yesterday, Previous 7 days, Older, leaving out empty ones", () => {
    const contexts = [
      { id: "a", lastActivityAt: local(12, 10, 0, 10) },
      { id: "b", lastActivityAt: local(12, 9, 22, 0) },
      { id: "c", lastActivityAt: local(11, 1, 12, 0) },
      { id: "d", lastActivityAt: local(12, 10, 0, 5) },
      { id: "e", lastActivityAt: local(10, 1, 12, 0) },
    ];
    expect(
      groupContextsByDate(contexts, now).map((group) => [
        group.key,
        group.contexts.map((context) => context.id),
      ]),
    ).toEqual([
      ["today", ["a", "d"]],
      ["yesterday", ["b"]],
      ["older", ["c", "e"]],
    ]);
    expect(groupContextsByDate([], now)).toEqual([]);
  });

  it("counts days across a change of daylight saving time as calendar days", () => {
    // In zones with daylight saving time, the day after 29 March 2026 is 23 hours long.
    const afterChange = new Date(2026, 2, 30, 12).getTime();
    expect(dateGroupOf(new Date(2026, 2, 29, 0, 0).getTime(), afterChange)).toBe("yesterday");
    expect(dateGroupOf(new Date(2026, 2, 28, 23, 59).getTime(), afterChange)).toBe("previous7Days");
  });
});
