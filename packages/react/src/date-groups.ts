// Conversations grouped by when they were last active, in the user's local time: Today,
// Yesterday, Previous 7 days, Older. A list in the server's order (most recently active first)
// stays in that order inside each group.
import type { ContextSummary } from "./types.ts";

/** `today`, `yesterday`, `previous7Days` (2 to 7 days ago) or `older`. */
export type DateGroupKey = "today" | "yesterday" | "previous7Days" | "older";

/** One group of conversations, in the order they were given. */
export interface DateGroup<T> {
  key: DateGroupKey;
  contexts: T[];
}

const ORDER: readonly DateGroupKey[] = ["today", "yesterday", "previous7Days", "older"];

/** Midnight of the local day `days` before the day of `now` (daylight saving time included). */
function startOfLocalDay(now: number, days: number): number {
  const date = new Date(now);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() - days).getTime();
}

/** The group of a moment, relative to `now`, by local calendar days. */
export function dateGroupOf(at: number, now: number): DateGroupKey {
  if (at >= startOfLocalDay(now, 0)) return "today";
  if (at >= startOfLocalDay(now, 1)) return "yesterday";
  if (at >= startOfLocalDay(now, 7)) return "previous7Days";
  return "older";
}

/**
 * `contexts` grouped by `lastActivityAt` against `now` (default: the clock), the groups in the
 * order Today, Yesterday, Previous 7 days, Older; empty groups left out.
 */
export function groupContextsByDate<T extends Pick<ContextSummary, "lastActivityAt">>(
  contexts: readonly T[],
  now: number = Date.now(),
): DateGroup<T>[] {
  const groups = new Map<DateGroupKey, T[]>();
  for (const context of contexts) {
    const key = dateGroupOf(context.lastActivityAt, now);
    const group = groups.get(key) ?? [];
    group.push(context);
    groups.set(key, group);
  }
  return ORDER.flatMap((key) => {
    const group = groups.get(key);
    return group ? [{ key, contexts: group }] : [];
  });
}
