// The one handle to the database, whichever engine holds it: a Kysely instance over SQLite
// (better-sqlite3, one file, the default) or PostgreSQL (`pg`, a pool, for several instances).
// Every data function takes a `Db` (the database, or a transaction from `transaction()`) and is
// async; its SQL is written once (sql.ts) and runs on both.
//
// SQLite: one connection, queries in turn through a FIFO queue (a transaction holds the queue
// until it ends), statements prepared once per text and reused, as before the async layer. A
// file database's WAL is checkpointed by a worker thread (checkpoint.ts), not by the COMMIT that
// crosses 1,000 pages on the event loop; with synchronous=NORMAL a commit is safe from a process
// crash at once and from an OS crash once a checkpoint has synced the WAL: now within about
// 200 ms of it while writes go on, where before it waited for the next 1,000 pages.
// PostgreSQL: a pool that may sit behind a transaction-mode pooler (PgBouncer): a statement
// with parameters is prepared on each connection that runs it (`preparing`; unnamed when
// `preparedStatements` is false, for a pooler that does not keep them), a transaction is
// BEGIN…COMMIT on one connection, nothing sets session state. LISTEN needs a real session:
// `directUrl` (DATABASE_DIRECT_URL) is kept for it.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Database from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import type pg from "pg";
import {
  type Checkpoints,
  DEFAULT_CHECKPOINT_INTERVAL_MS,
  DEFAULT_FALLBACK_PAGES,
  startCheckpoints,
} from "./checkpoint.ts";

/** The database or a transaction on it: what every data function takes. */
export type Db = Kysely<Record<string, never>>;

export type Dialect = "sqlite" | "postgres";

export interface OpenDatabaseOptions {
  /** SQLite: how long a writer waits for a lock before SQLITE_BUSY, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * SQLite file: how often the worker thread checkpoints the WAL, in ms. Default 200: a commit
   * is synced (safe from an OS crash) within about that long, and a page written by many
   * commits in between is copied once. 0: no worker, only the fallback below checkpoints.
   */
  checkpointIntervalMs?: number;
  /**
   * SQLite file: the WAL size, in pages, at which a commit checkpoints it on this connection
   * (SQLite's automatic checkpoint), should the worker have fallen that far behind. Default
   * 10,000 (about 40 MB), or SQLite's own 1,000 without the worker; 0 turns it off (nothing
   * then bounds the WAL but the worker).
   */
  checkpointFallbackPages?: number;
}

export interface DatabaseConfig {
  /** A postgres:// or postgresql:// URL selects PostgreSQL; absent, SQLite at `path`. */
  url?: string;
  /** The SQLite file (or ":memory:"), when `url` is absent. */
  path?: string;
  /** PostgreSQL: the URL for LISTEN, which needs a session. Default `url`. */
  directUrl?: string;
  /** PostgreSQL: connections in the pool. Default 10. */
  poolSize?: number;
  /** PostgreSQL: how long a query waits for a connection, in ms. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL: keep each statement prepared on the connections that ran it (see
   * `preparing`). Default true; false behind a transaction-mode pooler that does not
   * keep prepared statements.
   */
  preparedStatements?: boolean;
  /** SQLite: how long a writer waits for the lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

interface Info {
  dialect: Dialect;
  sqlite: Database.Database | null;
  /** SQLite: the driver, which sql.ts calls directly (see SqliteDirect). */
  direct: SqliteDirect | null;
  /** SQLite: closes the connection and stops its checkpoints (see closeDatabase). */
  closeSqlite: (() => Promise<void>) | null;
  url: string | null;
  directUrl: string | null;
}

// Keyed by Kysely's adapter (one per database, shared by its connection-bound handles), and by
// the handles sql.ts makes for SQLite transactions, which are not Kysely instances.
const infos = new WeakMap<object, Info>();

function infoOf(db: Db): Info {
  const info = infos.get(db) ?? infos.get(db.getExecutor().adapter);
  if (!info) throw new Error("not a database opened by @agent-access/db");
  return info;
}

/** Which engine holds `db`. */
export function dialectOf(db: Db): Dialect {
  return infoOf(db).dialect;
}

/**
 * SQLite: the connection and its FIFO queue, for sql.ts to run statements on at once instead of
 * through Kysely's executor, whose per-query objects and awaits cost more than better-sqlite3's
 * synchronous call itself (benchmarks 1 and 2). Null on PostgreSQL.
 */
export function sqliteDirectOf(db: Db): SqliteDirect | null {
  return infoOf(db).direct;
}

/**
 * A handle for one SQLite transaction made by sql.ts's `transaction()`: a `Db` for the data
 * functions (which reach the database only through sql.ts), not a Kysely instance.
 */
export function sqliteTransactionHandle(db: Db): Db {
  const handle = Object.freeze({}) as unknown as Db;
  infos.set(handle, infoOf(db));
  return handle;
}

/** SQLite: the better-sqlite3 connection under `db` (migrations, backups); null on PostgreSQL. */
export function sqliteOf(db: Db): Database.Database | null {
  return infoOf(db).sqlite;
}

/** PostgreSQL: the URL a LISTEN session connects to (DATABASE_DIRECT_URL); null on SQLite. */
export function directUrlOf(db: Db): string | null {
  return infoOf(db).directUrl;
}

/** PostgreSQL: the pool's URL; null on SQLite. */
export function urlOf(db: Db): string | null {
  return infoOf(db).url;
}

/** Whether `url` names a PostgreSQL database. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password replaced by "***", for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(not a URL)";
  }
}

/**
 * Opens (and creates, with its folder) the SQLite database at `file`; `":memory:"` gives a
 * private in-memory database for tests. WAL lets readers run beside the one writer, and
 * `synchronous=NORMAL` is durable across process crashes in WAL mode (only an OS crash can lose
 * the transactions since the last checkpoint). A file's WAL is checkpointed by a worker thread
 * every `checkpointIntervalMs` (checkpoint.ts); `closeDatabase` stops it.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  const driver = new SqliteDriver(sqlite);
  try {
    const wal =
      file !== ":memory:" && sqlite.pragma("journal_mode = WAL", { simple: true }) === "wal";
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (wal) {
      const interval = options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS;
      const fallback =
        options.checkpointFallbackPages ?? (interval > 0 ? DEFAULT_FALLBACK_PAGES : 1000);
      sqlite.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(fallback))}`);
      if (interval > 0) driver.checkpoints = startCheckpoints(path.resolve(file), interval, driver);
    }
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const adapter = new SqliteAdapter();
  infos.set(adapter, {
    dialect: "sqlite",
    sqlite,
    direct: driver,
    closeSqlite: () => driver.destroy(),
    url: null,
    directUrl: null,
  });
  return new Kysely({
    dialect: {
      createAdapter: () => adapter,
      createDriver: () => driver,
      createQueryCompiler: () => new SqliteQueryCompiler(),
      createIntrospector: (db) => new SqliteIntrospector(db),
    },
  });
}

// BIGINT (int8: the time columns, count(*)) and NUMERIC (sum of integers) come back from `pg` as
// strings so as not to lose precision; epoch milliseconds, counts and token sums stay far below
// 2^53, so read them as numbers, as better-sqlite3 does. Per pool, not pg's global registry.
// `pg` is loaded on first use, so a SQLite server or CLI does not pay for it at start-up.
const require = createRequire(import.meta.url);
let pgModule: typeof pg | undefined;
function loadPg(): typeof pg {
  pgModule ??= require("pg") as typeof pg;
  return pgModule;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if ((oid === INT8_OID || oid === NUMERIC_OID) && format !== "binary") return Number;
    // biome-ignore lint/suspicious/noExplicitAny: pg's own overloads, forwarded as they are.
    return (loadPg().types.getTypeParser as any)(oid, format);
  },
};

/**
 * How many statement texts a pool keeps prepared, at most: a connection holds each prepared
 * statement and its cached plan until it closes, so a text made from a caller's input (a list
 * of values of any length) must not make a new one each time. Beyond it, texts run unnamed.
 * PgBouncer's own default for `max_prepared_statements` is the same.
 */
export const MAX_PREPARED_STATEMENTS = 200;

/**
 * Makes `client` send a statement with parameters as a named prepared statement: PostgreSQL
 * parses it once per connection instead of on every call, and after five calls may keep a
 * generic plan instead of planning again (a turn's statements spent about as long in parse and
 * plan as in execution). A text's name is the same on every connection of the pool (`names`);
 * `pg` prepares it on a connection on first use. Texts without parameters (BEGIN, COMMIT,
 * migrations, which may hold several statements) run as they are.
 */
function preparing(client: pg.PoolClient, names: Map<string, string>): void {
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_STATEMENTS) {
      name = `aa_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Kysely calls `query(text, values)`; every other form (a config object, a cursor) is left as
  // it is.
  client.query = ((text: unknown, values?: unknown, ...rest: unknown[]) => {
    if (typeof text === "string" && Array.isArray(values) && values.length > 0) {
      const name = nameOf(text);
      if (name !== undefined) return query({ name, text, values }, ...rest);
    }
    return query(text, values, ...rest);
  }) as typeof client.query;
}

/** Opens a PostgreSQL pool on `url`; no connection is made until the first query. */
export function openPostgres(url: string, config: Omit<DatabaseConfig, "url" | "path"> = {}): Db {
  if (!isPostgresUrl(url)) throw new Error(`not a postgres:// URL: ${redactUrl(url)}`);
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max: config.poolSize ?? 10,
    connectionTimeoutMillis: config.connectTimeoutMs ?? 5000,
    types: pgTypes,
  });
  // An idle connection the server drops (restart, failover, pg_terminate_backend) is reported
  // here; the pool discards it and opens a new one on the next query. Unhandled, the event
  // would end the process.
  pool.on("error", () => {});
  const names = config.preparedStatements === false ? null : new Map<string, string>();
  pool.on("connect", (client) => {
    // A connection that ends while a query runs on it (pg_terminate_backend, a failover) fails
    // that query, and the pool drops it when it comes back; the client's error event then has
    // no pool listener, and unhandled it would end the process.
    client.on("error", () => {});
    if (names) preparing(client, names);
  });
  const adapter = new PostgresAdapter();
  infos.set(adapter, {
    dialect: "postgres",
    sqlite: null,
    direct: null,
    closeSqlite: null,
    url,
    directUrl: config.directUrl ?? url,
  });
  const dialect = new PostgresDialect({ pool });
  return new Kysely({
    dialect: {
      createAdapter: () => adapter,
      createDriver: () => dialect.createDriver(),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createIntrospector: (db) => dialect.createIntrospector(db),
    },
  });
}

/** PostgreSQL when `config.url` is set, else SQLite at `config.path` (default in memory). */
export function connectDatabase(config: DatabaseConfig): Db {
  if (config.url !== undefined) return openPostgres(config.url, config);
  return openDatabase(config.path ?? ":memory:", { busyTimeoutMs: config.busyTimeoutMs });
}

const closed = new WeakSet<Db>();

/** Closes the pool or the file (and its checkpoints); closing again does nothing. */
export async function closeDatabase(db: Db): Promise<void> {
  if (closed.has(db)) return;
  closed.add(db);
  await db.destroy();
  // Kysely destroys only a driver it has used; sql.ts may have used this one directly.
  await infoOf(db).closeSqlite?.();
}

/** Whether `closeDatabase` was called on `db`: background work on it (heartbeats) stops. */
export function isDatabaseClosed(db: Db): boolean {
  return closed.has(db);
}

/** One round trip: throws if the database cannot be reached or refuses the credentials. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.executeQuery(CompiledQuery.raw("SELECT 1"));
}

// Errors that say the database is out of reach rather than that a query is wrong: the request
// may succeed later, so it answers 503. Node's socket errors, and PostgreSQL's classes 08
// (connection exception) and 57P (operator intervention: shutdown, terminated backend).
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);
const UNREACHABLE_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection closed",
  "the database system is starting up",
  "the database system is shutting down",
];

/** Whether `error` means the database cannot be reached now (retry later), not a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    const { code, message, cause } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === "string") {
      if (UNREACHABLE_CODES.has(code) || code.startsWith("08") || code.startsWith("57P")) {
        return true;
      }
    }
    if (typeof message === "string" && UNREACHABLE_MESSAGES.some((m) => message.includes(m))) {
      return true;
    }
    current = cause;
  }
  return false;
}

/** What sql.ts uses of the SQLite driver: the queue, and statements run synchronously. */
export interface SqliteDirect {
  /** Whether a transaction (or a queued query) holds the connection now. */
  busy(): boolean;
  /** Waits for the connection, in order; `release` hands it on. */
  acquire(): Promise<void>;
  release(): void;
  /** Runs a statement at once; the caller holds the connection or found it free. */
  run<R>(text: string, values: readonly unknown[]): QueryResult<R>;
}

// The SQLite driver: Kysely's own wakes every waiter at each release (all but one then wait
// again), which costs O(n²) under many concurrent writers; this one hands the connection to the
// next waiter in order. Statements are prepared once per text.
class SqliteDriver implements Driver, SqliteDirect {
  private readonly connection: SqliteConnection;
  private held = false;
  private readonly waiting: (() => void)[] = [];
  private destroyed: Promise<void> | null = null;

  /** The worker's checkpoints of this file (checkpoint.ts), if any. */
  checkpoints: Checkpoints | null = null;

  constructor(private readonly sqlite: Database.Database) {
    this.connection = new SqliteConnection(sqlite);
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return this.acquire().then(() => this.connection);
  }

  busy(): boolean {
    return this.held;
  }

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  run<R>(text: string, values: readonly unknown[]): QueryResult<R> {
    return this.connection.execute<R>(text, values);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("BEGIN IMMEDIATE"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("COMMIT"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("ROLLBACK"));
  }

  async releaseConnection(): Promise<void> {
    this.release();
  }

  // The main connection first: the worker's, closing last, then runs the final checkpoint
  // (off the event loop) and removes the -wal and -shm files.
  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      this.sqlite.close();
      await this.checkpoints?.stop();
    })();
    return this.destroyed;
  }
}

class SqliteConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly sqlite: Database.Database) {}

  private prepare(text: string): Database.Statement {
    let prepared = this.statements.get(text);
    if (!prepared) {
      prepared = this.sqlite.prepare(text);
      this.statements.set(text, prepared);
    }
    return prepared;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.execute<R>(compiled.sql, compiled.parameters));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  execute<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    const statement = this.prepare(sql);
    if (statement.reader) return { rows: statement.all(parameters) as R[] };
    const { changes } = statement.run(parameters);
    return { numAffectedRows: BigInt(changes), rows: [] };
  }

  // biome-ignore lint/correctness/useYield: SQLite queries here are read whole, never streamed.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming is not supported on SQLite here");
  }
}
