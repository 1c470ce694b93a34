// Usage of runs, summed from what each run recorded (run.usage) and the tool calls of the reply
// it wrote. Times are epoch ms; a run counts in the period it started in.
import type { Db } from "./connection.ts";
import { statement } from "./statements.ts";

export interface UsageQuery {
  /** One group, or every group when null. */
  contextGroup: string | null;
  /** Runs started at or after, epoch ms. */
  from: number;
  /** Runs started before, epoch ms. */
  to: number;
  /** "day": one row per UTC day; "agent": one row per agent. */
  groupBy: "day" | "agent";
}

export interface UsageRow {
  /** The UTC day (YYYY-MM-DD) or the agent id. */
  key: string;
  runs: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  tool_calls: number;
}

const KEYS = {
  day: "strftime('%Y-%m-%d', r.started_at / 1000, 'unixepoch')",
  agent: "r.agent_id",
} as const;

function usageSql(groupBy: UsageQuery["groupBy"]): string {
  return `SELECT ${KEYS[groupBy]} AS key,
      count(*) AS runs,
      coalesce(sum(json_extract(r.usage, '$.inputTokens')), 0) AS input_tokens,
      coalesce(sum(json_extract(r.usage, '$.outputTokens')), 0) AS output_tokens,
      coalesce(sum(json_extract(r.usage, '$.totalTokens')), 0) AS total_tokens,
      coalesce(sum((SELECT count(*) FROM message m, json_each(m.parts) p
        WHERE m.run_id = r.id AND json_extract(p.value, '$.type') = 'tool-call')), 0) AS tool_calls
    FROM run r JOIN context c ON c.id = r.context_id
    WHERE (:group IS NULL OR c.context_group = :group)
      AND r.started_at >= :from AND r.started_at < :to
    GROUP BY key ORDER BY key`;
}

export function usageOfRuns(db: Db, query: UsageQuery): UsageRow[] {
  return statement<[object], UsageRow>(db, usageSql(query.groupBy)).all({
    group: query.contextGroup,
    from: query.from,
    to: query.to,
  });
}
