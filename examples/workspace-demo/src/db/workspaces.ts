// The host demo's tenancy: workspaces and their members. Membership is checked in the SQL WHERE
// of findWorkspaceForMember and nowhere else; every read of a workspace's data goes through it.
import { type Db, type Ended, endTicketsOfHostUser, newId, statement } from "@agent-access/db";
import { type EndpointHealth, endpointHealth } from "./webhooks.ts";

export type WorkspaceRole = "owner" | "member";

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
  /** The caller's role in it. */
  role: WorkspaceRole;
}

export interface WorkspaceMember {
  userId: string;
  email: string;
  name: string;
  role: WorkspaceRole;
  joinedAt: number;
}

export interface WorkspaceDetails extends Workspace {
  members: WorkspaceMember[];
  endpoints: EndpointHealth[];
}

/** The workspaces `userId` belongs to, by name. */
export function listWorkspacesOfUser(db: Db, userId: string): Workspace[] {
  return statement<[string], Workspace>(
    db,
    `SELECT w.id, w.name, w.created_at AS createdAt, m.role
       FROM workspace w JOIN workspace_member m ON m.workspace_id = w.id
      WHERE m.user_id = ?
      ORDER BY w.name COLLATE NOCASE, w.id`,
  ).all(userId);
}

/** Creates a workspace with `ownerId` as its owner. */
export function createWorkspace(
  db: Db,
  workspace: { name: string; ownerId: string },
  now = Date.now(),
): Workspace {
  const id = newId("ws");
  db.transaction(() => {
    statement(db, "INSERT INTO workspace (id, name, created_at) VALUES (?, ?, ?)").run(
      id,
      workspace.name,
      now,
    );
    statement(
      db,
      "INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
    ).run(id, workspace.ownerId, now);
  })();
  return { id, name: workspace.name, createdAt: now, role: "owner" };
}

/**
 * The workspace if `userId` is a member of it, else undefined. A workspace that does not exist
 * and one the user may not see look the same, so ids leak nothing.
 */
export function findWorkspaceForMember(
  db: Db,
  workspaceId: string,
  userId: string,
): Workspace | undefined {
  return statement<[string, string], Workspace>(
    db,
    `SELECT w.id, w.name, w.created_at AS createdAt, m.role
       FROM workspace w JOIN workspace_member m ON m.workspace_id = w.id
      WHERE w.id = ? AND m.user_id = ?`,
  ).get(workspaceId, userId);
}

/** True when `userId` is a member (any role) of `workspaceId`: the check before acting for it. */
export function isWorkspaceMember(db: Db, workspaceId: string, userId: string): boolean {
  return findWorkspaceForMember(db, workspaceId, userId) !== undefined;
}

/** The workspace with its members and webhook health, if `userId` is a member; else undefined. */
export function getWorkspaceDetails(
  db: Db,
  workspaceId: string,
  userId: string,
): WorkspaceDetails | undefined {
  // One read transaction, so the members and the health figures describe the same moment.
  return db.transaction(() => {
    const workspace = findWorkspaceForMember(db, workspaceId, userId);
    if (!workspace) return undefined;
    const members = statement<[string], WorkspaceMember>(
      db,
      `SELECT u.id AS userId, u.email, u.name, m.role, m.created_at AS joinedAt
         FROM workspace_member m JOIN user u ON u.id = m.user_id
        WHERE m.workspace_id = ?
        ORDER BY m.role = 'owner' DESC, u.name COLLATE NOCASE, u.id`,
    ).all(workspace.id);
    return { ...workspace, members, endpoints: endpointHealth(db, workspace.id) };
  })();
}

/** Adds `userId` to a workspace with `role`, or changes the role of an existing member. */
export function setWorkspaceMember(
  db: Db,
  member: { workspaceId: string; userId: string; role: WorkspaceRole },
  now = Date.now(),
): void {
  statement(
    db,
    `INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`,
  ).run(member.workspaceId, member.userId, member.role, now);
}

/**
 * Removes `userId` from a workspace and ends the tickets and agent sessions minted for them in
 * it by the host app's door (their static sessions name the workspace in their group, so they
 * would otherwise keep its data within reach). Returns what it ended, or null when they were not
 * a member.
 */
export function removeWorkspaceMember(
  db: Db,
  workspaceId: string,
  userId: string,
  now = Date.now(),
): Ended | null {
  return db.transaction(() => {
    const removed = statement(
      db,
      "DELETE FROM workspace_member WHERE workspace_id = ? AND user_id = ?",
    ).run(workspaceId, userId).changes;
    if (removed === 0) return null;
    return endTicketsOfHostUser(db, userId, now, workspaceId);
  })();
}
