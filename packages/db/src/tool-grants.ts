// "Allow always" answers to tool approvals, kept per context group, agent and tool.
import type { Db } from "./connection.ts";
import type { AgentScope } from "./contexts.ts";
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

export interface ToolGrantRow {
  agentId: string;
  toolName: string;
  createdAt: number;
}

/** The grants of `scope`'s group for its agents, newest first. */
export function listToolGrants(db: Db, scope: AgentScope): ToolGrantRow[] {
  return statement<[string, string], ToolGrantRow>(
    db,
    `SELECT agent_id AS agentId, tool_name AS toolName, created_at AS createdAt FROM tool_grant
      WHERE context_group = ? AND agent_id IN (SELECT value FROM json_each(?))
      ORDER BY created_at DESC, agent_id, tool_name`,
  ).all(scope.contextGroup, JSON.stringify(scope.agentIds));
}

/**
 * Revokes one grant of `scope`'s group and agents; false when there is none (another group's
 * grant included: the scope is in the WHERE). The tool then asks again at its next call.
 */
export function revokeToolGrant(
  db: Db,
  scope: AgentScope,
  grant: { agentId: string; toolName: string },
): boolean {
  return (
    statement(
      db,
      `DELETE FROM tool_grant
        WHERE context_group = ? AND agent_id = ? AND tool_name = ?
          AND agent_id IN (SELECT value FROM json_each(?))`,
    ).run(scope.contextGroup, grant.agentId, grant.toolName, JSON.stringify(scope.agentIds))
      .changes > 0
  );
}
