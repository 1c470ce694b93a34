// Numbered SQL migrations, each applied once, in order, in a transaction, so a failed migration
// leaves no trace. One folder per dialect, where DDL must differ: migrations/NNNN_name.sql for
// SQLite (the version kept in PRAGMA user_version) and migrations/postgres/NNNN_name.sql for
// PostgreSQL (versions kept in the schema_migration table). Every SQLite migration has its
// PostgreSQL twin under the same number.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { type Db, dialectOf, sqliteOf } from "./connection.ts";
import { all, exec, get, run, transaction } from "./sql.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const migrationsDir = fileURLToPath(new URL("../migrations/", import.meta.url));
const postgresMigrationsDir = fileURLToPath(new URL("../migrations/postgres/", import.meta.url));

/** The migrations in `dir` (default: this package's SQLite ones), ordered by version. */
export function loadMigrations(dir: string = migrationsDir): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: fs.readFileSync(`${dir}/${file}`, "utf8"),
    }));
}

/** This package's migrations for the dialect of `db`. */
export function migrationsFor(db: Db): Migration[] {
  return loadMigrations(dialectOf(db) === "postgres" ? postgresMigrationsDir : migrationsDir);
}

/** The schema version the database is at (0 for a new one). */
export async function schemaVersion(db: Db): Promise<number> {
  const sqlite = sqliteOf(db);
  if (sqlite) {
    return db
      .connection()
      .execute(async () => sqlite.pragma("user_version", { simple: true }) as number);
  }
  const table = await get<{ name: string | null }>(
    db,
    "SELECT to_regclass('schema_migration')::text AS name",
  );
  if (!table?.name) return 0;
  const row = await get<{ version: number | null }>(
    db,
    "SELECT max(version) AS version FROM schema_migration",
  );
  return row?.version ?? 0;
}

// Any number, the same in every instance: the key of the advisory lock that migrations hold.
const MIGRATION_LOCK = 0x4141_6d67; // "AAmg"

/**
 * Applies every migration newer than the database (default: this package's, for its dialect);
 * returns the versions it applied. On PostgreSQL all of them run in one transaction holding an
 * advisory lock, so instances starting at once migrate exactly once: the second waits, then
 * finds nothing left to do. The lock is transaction-scoped, which a transaction-mode pooler
 * allows.
 */
export async function migrate(
  db: Db,
  migrations: Migration[] = migrationsFor(db),
): Promise<number[]> {
  const sqlite = sqliteOf(db);
  if (sqlite) {
    // The statements run on the raw connection while Kysely's queue is held, so nothing else
    // interleaves.
    return db.connection().execute(async () => {
      const applied: number[] = [];
      for (const migration of migrations) {
        if (migration.version <= (sqlite.pragma("user_version", { simple: true }) as number)) {
          continue;
        }
        sqlite.transaction(() => {
          sqlite.exec(migration.sql);
          sqlite.pragma(`user_version = ${migration.version}`);
        })();
        applied.push(migration.version);
      }
      return applied;
    });
  }
  return transaction(db, async (tx) => {
    await get(tx, "SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK]);
    await exec(
      tx,
      `CREATE TABLE IF NOT EXISTS schema_migration (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )`,
    );
    const done = await all<{ version: number }>(tx, "SELECT version FROM schema_migration");
    const have = new Set(done.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (have.has(migration.version)) continue;
      // Without parameters the text goes as one simple query: several statements at once.
      await exec(tx, migration.sql);
      await run(tx, "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)", [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}

/**
 * An app's own migrations (its tables beside the framework's), numbered from 0001 in a folder of
 * its own, with their PostgreSQL twins in its `postgres/` subfolder. `name` keeps their
 * numbering apart from the framework's and from other apps'.
 */
export interface MigrationSet {
  name: string;
  /** SQLite. */
  migrations: Migration[];
  /** PostgreSQL: the same numbers, DDL as PostgreSQL needs it. */
  postgresMigrations: Migration[];
}

/** An app's migrations from `dir` (SQLite) and `dir/postgres/` (PostgreSQL, if present). */
export function loadMigrationSet(name: string, dir: string): MigrationSet {
  const postgresDir = `${dir.replace(/\/$/, "")}/postgres`;
  return {
    name,
    migrations: loadMigrations(dir),
    postgresMigrations: fs.existsSync(postgresDir) ? loadMigrations(postgresDir) : [],
  };
}

/**
 * Applies the set's migrations that its name has not applied yet, each in a transaction that
 * also records it in `app_migration`; returns the versions it applied. Run it after `migrate`.
 * The framework's own schema version is left alone. On PostgreSQL under the migrations'
 * advisory lock, so instances starting at once apply each exactly once.
 */
export async function migrateApp(db: Db, set: MigrationSet): Promise<number[]> {
  const postgres = dialectOf(db) === "postgres";
  const migrations = postgres ? set.postgresMigrations : set.migrations;
  if (postgres && set.migrations.length > 0 && migrations.length === 0) {
    throw new Error(`the app "${set.name}" has no PostgreSQL migrations (migrations/postgres/)`);
  }
  return transaction(db, async (tx) => {
    if (postgres) await get(tx, "SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK]);
    await exec(
      tx,
      `CREATE TABLE IF NOT EXISTS app_migration (
        app        TEXT NOT NULL,
        version    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        applied_at BIGINT NOT NULL,
        PRIMARY KEY (app, version)
      )`,
    );
    const done = new Set(
      (
        await all<{ version: number }>(tx, "SELECT version FROM app_migration WHERE app = ?", [
          set.name,
        ])
      ).map((row) => row.version),
    );
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      const sqlite = sqliteOf(tx);
      // SQLite: several statements at once go through the raw connection, inside this
      // transaction (the connection is this transaction's until it ends).
      if (sqlite) sqlite.exec(migration.sql);
      else await exec(tx, migration.sql);
      await run(
        tx,
        "INSERT INTO app_migration (app, version, name, applied_at) VALUES (?, ?, ?, ?)",
        [set.name, migration.version, migration.name, Date.now()],
      );
      applied.push(migration.version);
    }
    return applied;
  });
}
