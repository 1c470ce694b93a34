// Opens the one SQLite file the whole product lives in, with the pragmas it relies on.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a writer waits for a lock before SQLITE_BUSY, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens (and creates, with its folder) the database at `file`; `":memory:"` gives a private
 * in-memory database for tests. WAL lets readers run beside the one writer, and
 * `synchronous=NORMAL` is durable across process crashes in WAL mode (only an OS crash can lose
 * the last transactions).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  if (file !== ":memory:") db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  return db;
}
