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
