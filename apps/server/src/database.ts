// Opens the database the environment names, for the server and the CLI alike: PostgreSQL when
// DATABASE_URL is set, else the SQLite file at DATABASE_PATH; then applies pending migrations
// (on PostgreSQL under an advisory lock, so instances starting at once migrate exactly once).
// A PostgreSQL that cannot be reached or refuses the credentials stops start-up with a message
// naming the variable, never showing the password.
import {
  closeDatabase,
  connectDatabase,
  type Db,
  isDatabaseUnavailable,
  migrate,
  pingDatabase,
  redactUrl,
} from "@agent-access/db";
import type { Env } from "./env.ts";

export class DatabaseStartError extends Error {
  override name = "DatabaseStartError";
}

export type DatabaseEnv = Pick<
  Env,
  | "DATABASE_URL"
  | "DATABASE_DIRECT_URL"
  | "DATABASE_PATH"
  | "DATABASE_POOL_SIZE"
  | "DATABASE_POOL_WAIT_MS"
  | "DATABASE_PREPARED_STATEMENTS"
>;

/**
 * Opens and migrates the database (with `migrateWith`, default the framework's migrations);
 * throws DatabaseStartError when PostgreSQL is out of reach or refuses.
 */
export async function openServerDatabase<Applied = number[]>(
  env: DatabaseEnv,
  migrateWith: (db: Db) => Promise<Applied> = migrate as never,
): Promise<{ db: Db; applied: Applied }> {
  if (!env.DATABASE_URL) {
    const db = connectDatabase({ path: env.DATABASE_PATH });
    return { db, applied: await migrateWith(db) };
  }
  const url = env.DATABASE_URL;
  const db = connectDatabase({
    url,
    directUrl: env.DATABASE_DIRECT_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    connectTimeoutMs: env.DATABASE_POOL_WAIT_MS,
    // A direct URL says a pooler stands in front of DATABASE_URL (docs/deploy.md).
    preparedStatements: env.DATABASE_PREPARED_STATEMENTS ?? env.DATABASE_DIRECT_URL === undefined,
  });
  try {
    await pingDatabase(db);
    return { db, applied: await migrateWith(db) };
  } catch (error) {
    await closeDatabase(db).catch(() => {});
    const reason = error instanceof Error ? error.message || error.name : String(error);
    const what = isDatabaseUnavailable(error) ? "cannot reach PostgreSQL at" : "PostgreSQL refused";
    // pg's messages name the role or database, never the password; the URL is redacted here.
    const password = new URL(url).password;
    const said = password ? reason.replaceAll(password, "***") : reason;
    throw new DatabaseStartError(`DATABASE_URL: ${what} ${redactUrl(url)}: ${said}`);
  }
}
