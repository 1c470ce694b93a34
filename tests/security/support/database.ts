// What "the database is unchanged" means for this suite: every row of every table, compared
// whole, except for the few columns listed here that a refused request may legitimately touch.
import { all, column, type Db, dialectOf } from "@agent-access/db";
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

/**
 * Tables left out whole, each with the reason: a limit's bookkeeping, which a refused call
 * changes by design (on PostgreSQL the limits live in the database, shared by instances).
 */
export const IGNORED_TABLES: Readonly<Record<string, string>> = {
  rate_limit:
    "a rate limit counts attempts, refused ones included: a probe that answers NOT_FOUND still " +
    "spends a token, or probing would be free",
  account_failure: "failed sign-ins are counted toward the account lock, which is its job",
};

export type Snapshot = Record<string, string[]>;

/** Every table's rows as sorted JSON strings, without the ignored columns. */
export async function snapshot(db: Db): Promise<Snapshot> {
  const tables = await column<string>(
    db,
    dialectOf(db) === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
  );
  const result: Snapshot = {};
  for (const table of tables) {
    if (table in IGNORED_TABLES) continue;
    const ignored = new Set((IGNORED_COLUMNS[table] ?? []).map((entry) => entry.column));
    const rows = await all<Record<string, unknown>>(db, `SELECT * FROM "${table}"`);
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
export async function fingerprint(db: Db): Promise<string> {
  return JSON.stringify(await snapshot(db));
}

/** Fails with a per-table diff when the database differs from `before`. */
export async function expectUnchanged(db: Db, before: Snapshot, what: string): Promise<void> {
  const after = await snapshot(db);
  for (const table of Object.keys({ ...before, ...after })) {
    expect(after[table], `${what}: table ${table} changed`).toEqual(before[table]);
  }
}

/** Resolves once `check` returns a value other than undefined, polling every `everyMs`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 60_000, everyMs = 10 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    // A deadline so that a hang fails with a message instead of the test's timeout; the time
    // itself is not what is tested.
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
