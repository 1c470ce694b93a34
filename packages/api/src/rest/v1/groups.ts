// Context groups as the host names them: a static group must have the configured format, and a
// signin session's group is user:<user id>. A malformed group is a 400 naming its field; a
// well-formed group that has nothing is just empty.
import { contextGroupProblem } from "../../tickets.ts";
import type { ApiDependencies } from "../../trpc.ts";
import { badField } from "./route.ts";

const SIGNIN_GROUP = /^user:[A-Za-z0-9_-]{1,128}$/;

export function checkGroup(deps: ApiDependencies, field: string, group: string): string {
  if (SIGNIN_GROUP.test(group)) return group;
  const problem = contextGroupProblem(group, deps.config.contextGroupPattern);
  if (problem) throw badField(field, problem.replace(/^context_group /, ""));
  return group;
}
