// The workspace demo's rows in the security suite's table (tests/security/support/
// procedure-table.ts), registered in tests/security/support/app-rows.ts: each workspace.*
// procedure's isolation door and example input, and the workspace its owner makes for them.
// They leave with the demo (`pnpm remove-demo`).
import type { CookieClient } from "../../../apps/server/test/harness.ts";
import type { AppIds, AppRowSet } from "../../../tests/security/support/procedure-table.ts";

/** A workspace of `owner`'s (a signed-in browser): the id the rows' inputs name. */
async function ownWorkspace(owner: CookieClient): Promise<{ workspaceId: string }> {
  const response = await owner.mutation("workspace.create", { name: "Owner's workspace" });
  const body = (await response.json()) as { result?: { data: { id: string } } };
  if (!body.result) throw new Error(`workspace.create failed: ${JSON.stringify(body)}`);
  return { workspaceId: body.result.data.id };
}

/** The owner's workspace among the scene's ids (`own` made it). */
function workspaceOf(app: AppIds): string {
  const id = app.workspaceId;
  if (!id) throw new Error("no workspaceId among the owner's ids: workspaceDemoRows.own makes it");
  return id;
}

export const workspaceDemoRows: AppRowSet = {
  file: "examples/workspace-demo/security/rows.ts",
  routers: ["workspace"],
  own: ownWorkspace,
  // The group the demo's ticket door gives the owner's static sessions in that workspace.
  ownerGroups: (app, userId) => [`workspace:${workspaceOf(app)}:user:${userId}`],
  rows: {
    "workspace.list": {
      isolation: { exempt: "self-scoped: the caller's memberships, filtered in SQL" },
    },
    "workspace.create": {
      isolation: { exempt: "self-scoped: a new workspace owned by the caller" },
      example: () => ({ name: "Acme" }),
    },
    "workspace.get": {
      isolation: { door: "user", input: (app) => ({ workspaceId: workspaceOf(app) }) },
      example: ({ app }) => ({ workspaceId: workspaceOf(app) }),
    },
    "workspace.issueAgentTicket": {
      isolation: {
        door: "user",
        input: (app) => ({ workspaceId: workspaceOf(app), sessionType: "static" }),
      },
      example: ({ app }) => ({ workspaceId: workspaceOf(app), sessionType: "static" }),
    },
    "workspace.removeMember": {
      isolation: {
        door: "user",
        input: (app) => ({ workspaceId: workspaceOf(app), userId: "usr_any" }),
      },
      example: ({ app }) => ({ workspaceId: workspaceOf(app), userId: "usr_nobody" }),
    },
  },
};
