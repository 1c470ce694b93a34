// "Allow always" answers to tool approvals, kept per context group, agent and tool.
import type { Db } from "./connection.ts";
import type { AgentScope } from "./contexts.ts";
import { all, get, run } from "./sql.ts";

export interface ToolGrantKey {
  contextGroup: string;
  agentId: string;
  toolName: string;
}

export async function hasToolGrant(db: Db, key: ToolGrantKey): Promise<boolean> {
  const row = await get(
    db,
    "SELECT 1 AS found FROM tool_grant WHERE context_group = ? AND agent_id = ? AND tool_name = ?",
    [key.contextGroup, key.agentId, key.toolName],
  );
  return row !== undefined;
}

/** Records the grant; granting twice keeps the first time. */
export async function grantTool(db: Db, key: ToolGrantKey, now: number): Promise<void> {
  await run(
    db,
    `INSERT INTO tool_grant (context_group, agent_id, tool_name, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
    [key.contextGroup, key.agentId, key.toolName, now],
  );
}

export interface ToolGrantRow {
  agentId: string;
  toolName: string;
  createdAt: number;
}

/** The grants of `scope`'s group for its agents, newest first. */
export function listToolGrants(db: Db, scope: AgentScope): Promise<ToolGrantRow[]> {
  return all<ToolGrantRow>(
    db,
    `SELECT agent_id AS "agentId", tool_name AS "toolName", created_at AS "createdAt"
       FROM tool_grant
      WHERE context_group = ? AND agent_id IN (SELECT value FROM json_each(?))
      ORDER BY created_at DESC, agent_id, tool_name`,
    [scope.contextGroup, JSON.stringify(scope.agentIds)],
  );
}

/**
 * Revokes one grant of `scope`'s group and agents; false when there is none (another group's
 * grant included: the scope is in the WHERE). The tool then asks again at its next call.
 */
export async function revokeToolGrant(
  db: Db,
  scope: AgentScope,
  grant: { agentId: string; toolName: string },
): Promise<boolean> {
  const removed = await run(
    db,
    `DELETE FROM tool_grant
      WHERE context_group = ? AND agent_id = ? AND tool_name = ?
        AND agent_id IN (SELECT value FROM json_each(?))`,
    [scope.contextGroup, grant.agentId, grant.toolName, JSON.stringify(scope.agentIds)],
  );
  return removed > 0;
}
