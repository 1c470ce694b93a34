// Context groups as the host names them. A group is well-formed if some ticket could have made
// it: it fits this server's format or the rule of one of its agents, or it is a signin
// session's `user:<user id>`. A malformed group is a 400 naming its field; a well-formed group
// that has nothing is just empty.

import type { ApiDependencies } from "../../context.ts";
import {
  CONTEXT_GROUP_MAX_LENGTH,
  matchesWhole,
  serverContextGroupRule,
} from "../../context-groups.ts";
import { badField } from "./route.ts";

const SIGNIN_GROUP = /^user:[A-Za-z0-9_-]{1,128}$/;

export function checkGroup(deps: ApiDependencies, field: string, group: string): string {
  if (group.trim() === "") throw badField(field, "is empty");
  if (group.length > CONTEXT_GROUP_MAX_LENGTH) {
    throw badField(field, `is longer than ${CONTEXT_GROUP_MAX_LENGTH} characters`);
  }
  const server = serverContextGroupRule(deps.config);
  const rules = [server.pattern, SIGNIN_GROUP];
  for (const agent of deps.agents.list()) {
    if (agent.contextGroup) rules.push(agent.contextGroup.pattern);
  }
  if (!rules.some((pattern) => matchesWhole(pattern, group))) {
    throw badField(
      field,
      `does not fit this server's format (${server.description}) or any agent's rule`,
    );
  }
  return group;
}
