// GET /v1/usage: runs, tokens and tool calls per day or per agent, for one group or all, summed
// from what each run recorded.
import { usageOfRuns } from "@agent-access/db";
import type { z } from "zod";
import { checkGroup } from "./groups.ts";
import { badField, defineRoute } from "./route.ts";
import { usageQuery, usageReport } from "./schemas.ts";

const DAY_MS = 86_400_000;
/** The longest period one report covers. */
export const MAX_USAGE_DAYS = 366;

function toEpoch(value: string | number): number {
  return typeof value === "number"
    ? value
    : Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
}

export const usageRoute = defineRoute({
  method: "get",
  path: "/v1/usage",
  summary: "Runs, input and output tokens and tool calls, per day or per agent",
  scope: "read",
  query: usageQuery,
  response: { status: 200, description: "The usage report.", schema: usageReport },
  async run(deps, { query, now }): Promise<z.output<typeof usageReport>> {
    const group =
      query.context_group === undefined
        ? null
        : checkGroup(deps, "context_group", query.context_group);
    const to = query.to === undefined ? now : toEpoch(query.to);
    const from = query.from === undefined ? to - 30 * DAY_MS : toEpoch(query.from);
    if (from >= to) throw badField("from", "must be before `to`");
    if (to - from > MAX_USAGE_DAYS * DAY_MS) {
      throw badField("from", `the period is longer than ${MAX_USAGE_DAYS} days: ask for less`);
    }
    const buckets = await usageOfRuns(deps.db, {
      contextGroup: group,
      from,
      to,
      groupBy: query.group_by,
    });
    const totals = { runs: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, tool_calls: 0 };
    for (const bucket of buckets) {
      for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += bucket[key];
    }
    return { context_group: group, from, to, group_by: query.group_by, buckets, totals };
  },
});
