// The format a static context group must have, matched in linear time. A pattern is the
// operator's (CONTEXT_GROUP_PATTERN) and the group a backend's: with a backtracking engine, a
// pattern such as `(a+)+b` let one 30-character group hold the server for seconds. RE2's
// automaton (the re2js port, pure JavaScript) matches in time linear in the group's length, and
// refuses what needs backtracking (backreferences, lookarounds) when the pattern is compiled.
import { RE2JS } from "re2js";

export interface ContextGroupPattern {
  /** The expression as configured. */
  source: string;
  /** The format in words, for the refusal of a group that does not match. */
  description: string;
  /** Whether `group` matches the whole pattern. */
  test(group: string): boolean;
}

/**
 * Compiles `source` (matched against the whole group) with RE2. Throws an Error saying what is
 * wrong when RE2 does not accept it.
 */
export function compileContextGroupPattern(
  source: string,
  description = `the pattern ${source} (CONTEXT_GROUP_PATTERN)`,
): ContextGroupPattern {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    throw new Error(
      `not a pattern RE2 accepts (no backreferences or lookarounds): ${(error as Error).message}`,
    );
  }
  return { source, description, test: (group) => compiled.matches(group) };
}

/**
 * The default format of a static context group: `segment:value` pairs such as
 * `workspace:42:user:7`. Segments are lower-case words; values are ids without spaces.
 */
export const DEFAULT_CONTEXT_GROUP_PATTERN = compileContextGroupPattern(
  "[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,128}(?::[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,128})*",
  "segment:value pairs, such as workspace:42:user:7",
);
