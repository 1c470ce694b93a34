// "Allow always" answers to tool approvals, kept per context group, agent and tool.
import type { Db } from "./connection.ts";
import { statement } from "./statements.ts";

export interface ToolGrantKey {
  contextGroup: string;
  agentId: string;
  toolName: string;
}

export function hasToolGrant(db: Db, key: ToolGrantKey): boolean {
  return (
    statement(
      db,
      "SELECT 1 FROM tool_grant WHERE context_group = ? AND agent_id = ? AND tool_name = ?",
    ).get(key.contextGroup, key.agentId, key.toolName) !== undefined
  );
}

/** Records the grant; granting twice keeps the first time. */
export function grantTool(db: Db, key: ToolGrantKey, now: number): void {
  statement(
    db,
    `INSERT INTO tool_grant (context_group, agent_id, tool_name, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  ).run(key.contextGroup, key.agentId, key.toolName, now);
}
