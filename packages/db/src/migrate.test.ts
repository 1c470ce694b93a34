import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type Db,
  loadMigrations,
  migrate,
  migrateApp,
  openDatabase,
  schemaVersion,
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
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function schemaOf(db: Db): string[] {
  return db
    .prepare(
      "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((row) => JSON.stringify(row));
}

describe("migrations", () => {
  it("apply from an empty file, creating its folder, and reach the newest version", () => {
    const db = open(tempFile());
    const latest = loadMigrations().at(-1)!.version;
    expect(schemaVersion(db)).toBe(0);
    expect(migrate(db)).toEqual(loadMigrations().map((m) => m.version));
    expect(schemaVersion(db)).toBe(latest);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(
      expect.arrayContaining([
        "agent_session",
        "agent_ticket",
        "api_key",
        "auth_session",
        "context",
        "context_event",
        "message",
        "run",
        "tool_grant",
        "user",
      ]),
    );
  });

  it("apply again without change, also after reopening the file", () => {
    const file = tempFile();
    const first = open(file);
    migrate(first);
    const before = schemaOf(first);
    first.close();
    opened.splice(opened.indexOf(first), 1);

    const again = open(file);
    expect(migrate(again)).toEqual([]);
    expect(schemaOf(again)).toEqual(before);
  });

  it("roll back a failing migration entirely, leaving the version where it was", () => {
    const db = open(":memory:");
    migrate(db);
    const version = schemaVersion(db);
    const broken = [
      ...loadMigrations(),
      {
        version: version + 1,
        name: "broken",
        sql: "CREATE TABLE half (x INTEGER); SELECT nope FROM nowhere;",
      },
    ];
    expect(() => migrate(db, broken)).toThrow(/no such/);
    expect(schemaVersion(db)).toBe(version);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(
      0,
    );
  });
});

describe("an app's migrations", () => {
  const notes = {
    name: "notes",
    migrations: [
      { version: 1, name: "notes", sql: "CREATE TABLE note (id TEXT PRIMARY KEY) STRICT;" },
      { version: 2, name: "title", sql: "ALTER TABLE note ADD COLUMN title TEXT;" },
    ],
  };

  it("apply once each, tracked by the app's name, leaving the framework's version alone", () => {
    const db = open(":memory:");
    migrate(db);
    const version = schemaVersion(db);
    expect(migrateApp(db, { ...notes, migrations: notes.migrations.slice(0, 1) })).toEqual([1]);
    expect(migrateApp(db, notes)).toEqual([2]);
    expect(migrateApp(db, notes)).toEqual([]);
    // Another app numbers from 1 too.
    const other = {
      name: "orders",
      migrations: [{ version: 1, name: "o", sql: "CREATE TABLE o (x INTEGER);" }],
    };
    expect(migrateApp(db, other)).toEqual([1]);
    expect(schemaVersion(db)).toBe(version);
    expect(
      db.prepare("SELECT app, version, name FROM app_migration ORDER BY app, version").all(),
    ).toEqual([
      { app: "notes", version: 1, name: "notes" },
      { app: "notes", version: 2, name: "title" },
      { app: "orders", version: 1, name: "o" },
    ]);
  });

  it("roll back a failing one entirely, so it runs again next time", () => {
    const db = open(":memory:");
    migrate(db);
    const broken = {
      name: "notes",
      migrations: [
        {
          version: 1,
          name: "half",
          sql: "CREATE TABLE half (x INTEGER); SELECT nope FROM nowhere;",
        },
      ],
    };
    expect(() => migrateApp(db, broken)).toThrow(/no such/);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(
      0,
    );
    expect(migrateApp(db, notes)).toEqual([1, 2]);
  });
});

describe("openDatabase", () => {
  it("puts WAL, synchronous=NORMAL, foreign keys and a busy timeout in force", () => {
    const db = open(tempFile());
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
  });

  it("enforces foreign keys", () => {
    const db = open(":memory:");
    migrate(db);
    expect(() =>
      db
        .prepare(
          "INSERT INTO auth_session (id, user_id, expires_at, created_at) VALUES ('s', 'nope', 0, 0)",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });
});
