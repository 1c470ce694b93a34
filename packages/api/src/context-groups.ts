// The rules a static context group must follow when a ticket is minted. Each agent a ticket
// names may bring its own rule (`AgentDefinition.contextGroup`); an agent without one follows
// the rule of the ticket door that mints it, if the door has one, else the server's format
// (`ApiConfig.contextGroupPattern`). A refusal describes the rule that was broken.
import type { AgentDefinition, ContextGroupRule } from "@agent-access/agents";
import { RE2JS } from "re2js";

export type { ContextGroupRule } from "@agent-access/agents";

export const CONTEXT_GROUP_MAX_LENGTH = 256;

/**
 * The default format of a static context group: `segment:value` pairs such as
 * `workspace:42:user:7`. Segments are lower-case words; values are ids without spaces.
 */
export const DEFAULT_CONTEXT_GROUP_PATTERN =
  /^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,128}(?::[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,128})*$/;

export const DEFAULT_CONTEXT_GROUP_DESCRIPTION = "segment:value pairs, such as workspace:42:user:7";

const compiled = new WeakMap<RegExp, RE2JS>();

/**
 * `pattern` compiled for RE2, whose automaton matches in time linear in the group's length: with
 * a backtracking engine `(a+)+b` let one 30-character group hold the server for seconds. Throws
 * saying why when RE2 cannot run it (backreferences, lookarounds need backtracking).
 */
function linear(pattern: RegExp): RE2JS {
  let re2 = compiled.get(pattern);
  if (!re2) {
    const flags = pattern.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0;
    try {
      re2 = RE2JS.compile(RE2JS.translateRegExp(pattern), flags);
    } catch (error) {
      throw new Error(
        `the context group pattern ${pattern.source} is not one RE2 accepts (no backreferences or lookarounds): ${(error as Error).message}`,
      );
    }
    compiled.set(pattern, re2);
  }
  return re2;
}

/** Throws, saying why, when `pattern` cannot run in linear time; for start-up checks. */
export function assertLinearPattern(pattern: RegExp): void {
  linear(pattern);
}

/**
 * Whether `group` matches `pattern` as a whole (a pattern need not be anchored, and a `g` or `y`
 * flag carries no state from one call to the next), in linear time (RE2, re2js). The one place
 * where a context group pattern runs, so that the matching engine can be swapped here alone.
 */
export function matchesWhole(pattern: RegExp, group: string): boolean {
  return linear(pattern).matches(group);
}

/** The server's format as a rule: the configured pattern, described in words when possible. */
export function serverContextGroupRule(config: {
  contextGroupPattern: RegExp;
  contextGroupDescription?: string;
}): ContextGroupRule {
  const pattern = config.contextGroupPattern;
  const description =
    config.contextGroupDescription ??
    (pattern === DEFAULT_CONTEXT_GROUP_PATTERN
      ? DEFAULT_CONTEXT_GROUP_DESCRIPTION
      : `a whole match of the pattern ${pattern.source}`);
  return { pattern, description };
}

/** The rules a static group must follow, and for each, whose rule it is. */
export interface ContextGroupRules {
  /** The agents the ticket names; those with a `contextGroup` rule follow it. */
  agents: readonly Pick<AgentDefinition, "id" | "contextGroup">[];
  /** The minting door's rule, for agents without their own; none: the server's. */
  door?: ContextGroupRule;
  server: ContextGroupRule;
}

/** Why `group` cannot be a static context group under `rules`, or null when it can. */
export function contextGroupProblem(group: string, rules: ContextGroupRules): string | null {
  if (group.trim() === "") return "context_group is empty";
  if (group.length > CONTEXT_GROUP_MAX_LENGTH) {
    return `context_group is longer than ${CONTEXT_GROUP_MAX_LENGTH} characters`;
  }
  const broken = new Map<ContextGroupRule, string>();
  for (const agent of rules.agents) {
    const rule = agent.contextGroup ?? rules.door ?? rules.server;
    if (broken.has(rule) || matchesWhole(rule.pattern, group)) continue;
    const owner = agent.contextGroup
      ? `the rule of agent "${agent.id}"`
      : rules.door
        ? "this ticket door's rule"
        : "this server's format";
    broken.set(rule, `context_group does not fit ${owner}: ${rule.description}`);
  }
  return broken.size === 0 ? null : [...broken.values()].join("; ");
}
