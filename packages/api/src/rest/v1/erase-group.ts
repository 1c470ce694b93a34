// DELETE /v1/context-groups/{group}: everything a group owns, for a tenant's erasure request.
// In order: the group's agent sessions end (no new work starts from them), each live context's
// run is stopped and the context deleted through the run engine (events streams end, webhooks
// learn of it), then one transaction erases every row of the group; after it commits, the
// group's attached files leave the store and the app's onGroupErased hook erases the rest.
import {
  attachmentIdsOf,
  contextsOfGroup,
  eraseGroup,
  revokeGroupSessions,
} from "@agent-access/db";
import type { z } from "zod";
import { erased, retire } from "./contexts.ts";
import { checkGroup } from "./groups.ts";
import { defineRoute } from "./route.ts";
import { erasure, groupPath } from "./schemas.ts";

export const eraseGroupRoute = defineRoute({
  method: "delete",
  path: "/v1/context-groups/{group}",
  summary:
    "Erase everything of a group: contexts, messages, events, runs, files, grants, agent sessions, tickets",
  scope: "erase",
  params: groupPath,
  response: {
    status: 200,
    description: "What was erased (all zero for an unknown group).",
    schema: erasure,
  },
  async run(deps, { path, now }): Promise<z.output<typeof erasure>> {
    const group = checkGroup(deps, "group", path.group);
    await revokeGroupSessions(deps.db, group, now);
    let cancelled = 0;
    const files: string[] = [];
    for (const row of await contextsOfGroup(deps.db, group)) {
      files.push(...(await attachmentIdsOf(deps.db, row.id)));
      if (await retire(deps, row)) cancelled += 1;
    }
    const answer = await erased(deps, await eraseGroup(deps.db, group), cancelled, files);
    await deps.onGroupErased?.(group);
    return answer;
  },
});
