// Usage of runs, summed from what each run recorded (run.usage) and the tool calls of the reply
// it wrote. Times are epoch ms; a run counts in the period it started in.
import { type Db, type Dialect, dialectOf } from "./connection.ts";
import { all } from "./sql.ts";

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

// The SQL differs per dialect only in its date and JSON functions.
const FUNCTIONS: Record<
  Dialect,
  { day: string; agent: string; usage: (field: string) => string; toolCalls: string }
> = {
  sqlite: {
    day: "strftime('%Y-%m-%d', r.started_at / 1000, 'unixepoch')",
    agent: "r.agent_id",
    usage: (field) => `json_extract(r.usage, '$.${field}')`,
    toolCalls: `SELECT count(*) FROM message m, json_each(m.parts) p
        WHERE m.run_id = r.id AND json_extract(p.value, '$.type') = 'tool-call'`,
  },
  postgres: {
    day: "to_char(to_timestamp(r.started_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    agent: "r.agent_id",
    usage: (field) => `CAST(CAST(r.usage AS json) ->> '${field}' AS numeric)`,
    toolCalls: `SELECT count(*) FROM message m, json_array_elements(CAST(m.parts AS json)) p
        WHERE m.run_id = r.id AND p ->> 'type' = 'tool-call'`,
  },
};

function usageSql(dialect: Dialect, groupBy: UsageQuery["groupBy"]): string {
  const f = FUNCTIONS[dialect];
  return `SELECT ${f[groupBy]} AS key,
      count(*) AS runs,
      coalesce(sum(${f.usage("inputTokens")}), 0) AS input_tokens,
      coalesce(sum(${f.usage("outputTokens")}), 0) AS output_tokens,
      coalesce(sum(${f.usage("totalTokens")}), 0) AS total_tokens,
      coalesce(sum((${f.toolCalls})), 0) AS tool_calls
    FROM run r JOIN context c ON c.id = r.context_id
    WHERE (CAST(:group AS text) IS NULL OR c.context_group = :group)
      AND r.started_at >= :from AND r.started_at < :to
    GROUP BY 1 ORDER BY 1`;
}

export function usageOfRuns(db: Db, query: UsageQuery): Promise<UsageRow[]> {
  return all<UsageRow>(db, usageSql(dialectOf(db), query.groupBy), {
    group: query.contextGroup,
    from: query.from,
    to: query.to,
  });
}
