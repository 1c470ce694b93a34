import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  all,
  closeDatabase,
  type Db,
  loadMigrations,
  type MigrationSet,
  migrate,
  migrateApp,
  migrationsFor,
  openDatabase,
  run,
  schemaVersion,
  sqliteOf,
  value,
} from "./index.ts";

const opened: Db[] = [];
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-db-"));
  return path.join(dir, "nested", "test.db");
}
function open(file: string): Db {
  const db = openDatabase(file);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await closeDatabase(db);
});

function schemaOf(db: Db): string[] {
  return sqliteOf(db)!
    .prepare(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((row) => JSON.stringify(row));
}

describeEachDialect("migrations", (suite) => {
  it("apply to an empty database and reach the newest version", async () => {
    const db = await suite.open({ migrate: false });
    const migrations = migrationsFor(db);
    expect(await schemaVersion(db)).toBe(0);
    expect(await migrate(db)).toEqual(migrations.map((m) => m.version));
    expect(await schemaVersion(db)).toBe(migrations.at(-1)!.version);
    const tables = (
      await all<{ name: string }>(
        db,
        suite.dialect === "sqlite"
          ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
          : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
      )
    ).map((row) => row.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        "agent_session",
        "agent_ticket",
        "api_key",
        "attachment",
        "auth_session",
        "context",
        "context_event",
        "host_webhook_endpoint",
        "message",
        "run",
        "tool_grant",
        "user",
        "webhook_outbox",
      ]),
    );
    expect(await migrate(db)).toEqual([]);
  });

  it("has a PostgreSQL twin for every SQLite migration, under the same number", () => {
    const sqlite = loadMigrations().map((m) => m.version);
    const db = suite.dialect; // the check is the same on both; run once per dialect suite
    expect(db).toBeTruthy();
    const postgres = new Set(
      loadMigrations(new URL("../migrations/postgres/", import.meta.url).pathname).map(
        (m) => m.version,
      ),
    );
    expect(sqlite.filter((version) => !postgres.has(version))).toEqual([]);
  });

  it("roll back a failing migration entirely, leaving the version where it was", async () => {
    const db = await suite.open();
    const version = await schemaVersion(db);
    const broken = [
      ...migrationsFor(db),
      {
        version: version + 1,
        name: "broken",
        sql: "CREATE TABLE half (x INTEGER); SELECT nope FROM nowhere;",
      },
    ];
    await expect(migrate(db, broken)).rejects.toThrow(/no such|does not exist/);
    expect(await schemaVersion(db)).toBe(version);
    await expect(run(db, "SELECT * FROM half")).rejects.toThrow(/no such|does not exist/);
  });

  it("enforces foreign keys", async () => {
    const db = await suite.open();
    await expect(
      run(
        db,
        "INSERT INTO auth_session (id, user_id, expires_at, created_at) VALUES ('s', 'nope', 0, 0)",
      ),
    ).rejects.toThrow(/FOREIGN KEY|foreign key/);
  });

  it("migrate exactly once when two instances start at once", async () => {
    const db = await suite.open({ migrate: false });
    const other = suite.openAnother(db) ?? db;
    const [a, b] = await Promise.all([await migrate(db), await migrate(other)]);
    const all = migrationsFor(db).map((m) => m.version);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(all);
    if (suite.dialect === "postgres") {
      expect(await value(db, "SELECT count(*) FROM schema_migration")).toBe(all.length);
    }
  });
});

describeEachDialect("an app's migrations", (suite) => {
  const notes: MigrationSet = {
    name: "notes",
    migrations: [
      { version: 1, name: "notes", sql: "CREATE TABLE note (id TEXT PRIMARY KEY) STRICT;" },
      { version: 2, name: "title", sql: "ALTER TABLE note ADD COLUMN title TEXT;" },
    ],
    postgresMigrations: [
      { version: 1, name: "notes", sql: "CREATE TABLE note (id TEXT PRIMARY KEY);" },
      { version: 2, name: "title", sql: "ALTER TABLE note ADD COLUMN title TEXT;" },
    ],
  };
  const firstOnly = (set: MigrationSet): MigrationSet => ({
    ...set,
    migrations: set.migrations.slice(0, 1),
    postgresMigrations: set.postgresMigrations.slice(0, 1),
  });

  it("apply once each, tracked by the app's name, leaving the framework's version alone", async () => {
    const db = await suite.open();
    const version = await schemaVersion(db);
    expect(await migrateApp(db, firstOnly(notes))).toEqual([1]);
    expect(await migrateApp(db, notes)).toEqual([2]);
    expect(await migrateApp(db, notes)).toEqual([]);
    // Another app numbers from 1 too.
    const table = { version: 1, name: "o", sql: "CREATE TABLE o (x INTEGER);" };
    const other = { name: "orders", migrations: [table], postgresMigrations: [table] };
    expect(await migrateApp(db, other)).toEqual([1]);
    expect(await schemaVersion(db)).toBe(version);
    expect(
      await all(db, "SELECT app, version, name FROM app_migration ORDER BY app, version"),
    ).toEqual([
      { app: "notes", version: 1, name: "notes" },
      { app: "notes", version: 2, name: "title" },
      { app: "orders", version: 1, name: "o" },
    ]);
  });

  it("roll back a failing one entirely, so it runs again next time", async () => {
    const db = await suite.open();
    const half = {
      version: 1,
      name: "half",
      sql: "CREATE TABLE half (x INTEGER); SELECT nope FROM nowhere;",
    };
    const broken = { name: "notes", migrations: [half], postgresMigrations: [half] };
    await expect(migrateApp(db, broken)).rejects.toThrow(/no such|does not exist/);
    await expect(run(db, "SELECT * FROM half")).rejects.toThrow(/no such|does not exist/);
    expect(await migrateApp(db, notes)).toEqual([1, 2]);
  });

  it("refuses on PostgreSQL an app that has only SQLite migrations", async () => {
    const db = await suite.open();
    const sqliteOnly = { ...notes, postgresMigrations: [] };
    if (suite.dialect === "postgres") {
      await expect(migrateApp(db, sqliteOnly)).rejects.toThrow(/no PostgreSQL migrations/);
    } else {
      expect(await migrateApp(db, sqliteOnly)).toEqual([1, 2]);
    }
  });
});

describe("migrations on a SQLite file", () => {
  it("create the file's folder and apply again without change after reopening", async () => {
    const file = tempFile();
    const first = open(file);
    await migrate(first);
    const before = schemaOf(first);
    await closeDatabase(first);
    opened.splice(opened.indexOf(first), 1);

    const again = open(file);
    expect(await migrate(again)).toEqual([]);
    expect(schemaOf(again)).toEqual(before);
  });
});

describe("openDatabase", () => {
  it("puts WAL, synchronous=NORMAL, foreign keys and a busy timeout in force", () => {
    const sqlite = sqliteOf(open(tempFile()))!;
    expect(sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
  });
});
