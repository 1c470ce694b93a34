// Numbered SQL migrations (migrations/NNNN_name.sql), each applied once, in order, in a
// transaction that also advances PRAGMA user_version, so a failed migration leaves no trace.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { Db } from "./connection.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const migrationsDir = fileURLToPath(new URL("../migrations/", import.meta.url));

/** The migrations shipped with this package, ordered by version. */
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

/** The schema version the database is at (0 for a new file). */
export function schemaVersion(db: Db): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Applies every migration newer than the database; returns the versions it applied. */
export function migrate(db: Db, migrations: Migration[] = loadMigrations()): number[] {
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}

/**
 * An app's own migrations (its tables beside the framework's), numbered from 0001 in a folder of
 * its own. `name` keeps their numbering apart from the framework's and from other apps'.
 */
export interface MigrationSet {
  name: string;
  migrations: Migration[];
}

/**
 * Applies the set's migrations that its name has not applied yet, each in a transaction that
 * also records it in `app_migration`; returns the versions it applied. Run it after `migrate`.
 * The framework's own schema version (PRAGMA user_version) is left alone.
 */
export function migrateApp(db: Db, set: MigrationSet): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS app_migration (
    app        TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (app, version)
  ) STRICT, WITHOUT ROWID`);
  const done = new Set(
    db.prepare("SELECT version FROM app_migration WHERE app = ?").pluck().all(set.name) as number[],
  );
  const applied: number[] = [];
  for (const migration of set.migrations) {
    if (done.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare(
        "INSERT INTO app_migration (app, version, name, applied_at) VALUES (?, ?, ?, ?)",
      ).run(set.name, migration.version, migration.name, Date.now());
    })();
    applied.push(migration.version);
  }
  return applied;
}
