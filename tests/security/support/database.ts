// What "the database is unchanged" means for this suite: every row of every table, compared
// whole, except for the few columns listed here that a refused request may legitimately touch.
import type { Db } from "@agent-access/db";
import { expect } from "vitest";

/**
 * Columns left out of the comparison, each with the reason it may change on a refused call.
 * Nothing else is ignored.
 */
export const IGNORED_COLUMNS: Readonly<Record<string, { column: string; reason: string }[]>> = {
  api_key: [
    {
      column: "last_used_at",
      reason:
        "backendProcedure records that a valid key was presented before the procedure parses " +
        "its input (checkApiKey), so a malformed ticket.create still stamps the key's use; it is " +
        "an audit time, not tenant data",
    },
  ],
};

export type Snapshot = Record<string, string[]>;

/** Every table's rows as sorted JSON strings, without the ignored columns. */
export function snapshot(db: Db): Snapshot {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  const result: Snapshot = {};
  for (const table of tables) {
    const ignored = new Set((IGNORED_COLUMNS[table] ?? []).map((entry) => entry.column));
    const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[];
    result[table] = rows
      .map((row) =>
        JSON.stringify(
          Object.fromEntries(Object.entries(row).filter(([key]) => !ignored.has(key))),
        ),
      )
      .sort();
  }
  return result;
}

/** The snapshot as one string: cheap to compare after every request. */
export function fingerprint(db: Db): string {
  return JSON.stringify(snapshot(db));
}

/** Fails with a per-table diff when the database differs from `before`. */
export function expectUnchanged(db: Db, before: Snapshot, what: string): void {
  const after = snapshot(db);
  for (const table of Object.keys({ ...before, ...after })) {
    expect(after[table], `${what}: table ${table} changed`).toEqual(before[table]);
  }
}

/** Resolves once `check` returns a value other than undefined, polling every `everyMs`. */
export async function until<T>(
  what: string,
  check: () => T | undefined,
  { timeoutMs = 60_000, everyMs = 10 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    // A deadline so that a hang fails with a message instead of the test's timeout; the time
    // itself is not what is tested.
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
