// Which workspaces a context group stands for. A static session's group names one workspace
// ("workspace:42:user:7"); a signin session's group is the user ("user:<id>"), who may belong to
// several. The demo agent's tools read and change nothing outside these.
import type { Db } from "@agent-access/db";
import { existingWorkspaceIds, workspaceIdsOfUser } from "./db/index.ts";

/** The `segment:value` pairs of a group, e.g. { workspace: "42", user: "7" }. */
function segments(contextGroup: string): Map<string, string> {
  const parts = contextGroup.split(":");
  const pairs = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (!pairs.has(parts[i]!)) pairs.set(parts[i]!, parts[i + 1]!);
  }
  return pairs;
}

/** The workspaces of the group: its `workspace` segment, or a signin user's memberships. */
export function workspacesOfGroup(db: Db, contextGroup: string): string[] {
  const pairs = segments(contextGroup);
  const workspace = pairs.get("workspace");
  if (workspace !== undefined) return existingWorkspaceIds(db, [workspace]);
  const user = pairs.get("user");
  if (user !== undefined && pairs.size === 1) return workspaceIdsOfUser(db, user);
  return [];
}

/** Like workspacesOfGroup, but a group with no workspace is an error the model can relay. */
export function requireWorkspaces(db: Db, contextGroup: string): string[] {
  const ids = workspacesOfGroup(db, contextGroup);
  if (ids.length === 0) {
    throw new Error(
      `This conversation (context group "${contextGroup}") is not tied to any workspace, so there are no webhooks to look at.`,
    );
  }
  return ids;
}
