// Running SQL written once for both dialects. A query is its text, with `?` for positional or
// `:name` for named parameters, and its values; `all`, `get` and `run` turn the text into the
// dialect's own form once per text (PostgreSQL: `$1`, `$2`…; SQLite: `?`) and run it on the
// database or transaction given. Where the dialects differ in a function, the text names the
// SQLite form and the translation rewrites it:
//   json_each(<param or column>)  (a JSON array as a table with a `value` column)
//     -> json_array_elements_text(CAST(<param or column> AS json))
// Anything else that differs is written per dialect by the caller (`dialectOf`).
import { CompiledQuery, type QueryResult } from "kysely";
import {
  type Db,
  type Dialect,
  type SqliteDirect,
  sqliteDirectOf,
  sqliteTransactionHandle,
} from "./connection.ts";

export type Params = readonly unknown[] | Readonly<Record<string, unknown>>;

interface Translated {
  text: string;
  /** For named parameters: the name bound to each placeholder, in order. */
  names: string[] | null;
}

const translations: Record<Dialect, Map<string, Translated>> = {
  sqlite: new Map(),
  postgres: new Map(),
};

// Named parameters: SQLite gets one `?` per occurrence (the value repeated); PostgreSQL one `$n`
// per name, so that a value used twice is one parameter. Where PostgreSQL cannot infer a
// the comparison (alone, `$1 IS NULL` has no type it can infer).
function translate(text: string, dialect: Dialect): Translated {
  const cached = translations[dialect].get(text);
  if (cached) return cached;
  let names: string[] | null = null;
  let index = 0;
  const out = text.split(/('(?:[^']|'')*')/).map((part, i) => {
    if (i % 2 === 1) return part;
    let replaced = part.replace(/(?<!:):([A-Za-z_]\w*)|\?/g, (_match, name: string | undefined) => {
      if (name === undefined) {
        index++;
        return dialect === "postgres" ? `$${index}` : "?";
      }
      names ??= [];
      if (dialect === "sqlite") {
        names.push(name);
        return "?";
      }
      let position = names.indexOf(name);
      if (position === -1) position = names.push(name) - 1;
      return `$${position + 1}`;
    });
    if (dialect === "postgres") {
      replaced = replaced.replace(
        /json_each\(([^()]+)\)/g,
        (_match, value: string) => `json_array_elements_text(CAST(${value} AS json))`,
      );
    }
    return replaced;
  });
  const translated = { text: out.join(""), names };
  translations[dialect].set(text, translated);
  return translated;
}

function bind(dialect: Dialect, value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean" && dialect === "sqlite") return value ? 1 : 0;
  return value;
}

/** The text in the dialect's form and its values in order. */
function compile(
  dialect: Dialect,
  text: string,
  params: Params,
): { sql: string; values: unknown[] } {
  const translated = translate(text, dialect);
  let values: unknown[];
  if (translated.names) {
    const named = params as Readonly<Record<string, unknown>>;
    values = translated.names.map((name) => {
      if (!(name in named)) throw new Error(`no value for :${name}`);
      return bind(dialect, named[name]);
    });
  } else {
    values = (params as readonly unknown[]).map((value) => bind(dialect, value));
  }
  return { sql: translated.text, values };
}

const inTransaction = new WeakSet<Db>();

type Observer = (query: CompiledQuery) => void;

/** Who watches the statements run on a database (benchmarks compare them with bare SQL). */
const observers = new WeakMap<Db, Observer>();
/** Who also watches the BEGIN, COMMIT and ROLLBACK of `transaction()` on a database. */
const transactionObservers = new WeakSet<Observer>();

export interface ObserveOptions {
  /** Also the BEGIN, COMMIT and ROLLBACK of each transaction (to count transactions). */
  transactions?: boolean;
}

/**
 * Calls `observer` with every statement, as compiled for the dialect, that runs on `db` or in a
 * transaction begun on it (not the BEGIN and COMMIT themselves, unless `transactions`) until
 * the returned function is called. For benchmarks and tests.
 */
export function observeQueries(
  db: Db,
  observer: Observer,
  options: ObserveOptions = {},
): () => void {
  observers.set(db, observer);
  if (options.transactions) transactionObservers.add(observer);
  return () => {
    observers.delete(db);
  };
}

/** Tells a transaction observer of `tx`'s BEGIN, COMMIT or ROLLBACK. */
function observeControl(tx: Db, text: string): void {
  const observer = observers.get(tx);
  if (observer && transactionObservers.has(observer)) observer(CompiledQuery.raw(text, []));
}

/** A transaction's statements are observed with its database's. */
function observeAlso(db: Db, tx: Db): void {
  const observer = observers.get(db);
  if (observer) observers.set(tx, observer);
  else observers.delete(tx);
}

/** Runs `work` while holding SQLite's one connection, taken in turn, and hands it on after. */
async function holding<T>(direct: SqliteDirect, work: () => T | Promise<T>): Promise<T> {
  await direct.acquire();
  try {
    return await work();
  } finally {
    direct.release();
  }
}

/**
 * Runs a statement on SQLite's connection at once, with no await in between, when `db` holds it
 * (a transaction) or nothing does; otherwise when its turn comes.
 */
function onSqlite<T>(db: Db, direct: SqliteDirect, work: () => T): T | Promise<T> {
  return inTransaction.has(db) || !direct.busy() ? work() : holding(direct, work);
}

// Not async: on SQLite the statement has run by the time it returns, and the callers' await is
// the only one.
function execute<R>(
  db: Db,
  text: string,
  params: Params,
): QueryResult<R> | Promise<QueryResult<R>> {
  const direct = sqliteDirectOf(db);
  const { sql, values } = compile(direct ? "sqlite" : "postgres", text, params);
  const observer = observers.get(db);
  if (observer) observer(CompiledQuery.raw(sql, values));
  if (!direct) return db.executeQuery<R>(CompiledQuery.raw(sql, values));
  return onSqlite(db, direct, () => direct.run<R>(sql, values));
}

/** Every row the query returns. */
export async function all<R>(db: Db, text: string, params: Params = []): Promise<R[]> {
  return (await execute<R>(db, text, params)).rows;
}

/** The first row the query returns, or undefined. */
export async function get<R>(db: Db, text: string, params: Params = []): Promise<R | undefined> {
  return (await execute<R>(db, text, params)).rows[0];
}

/** Runs a statement; returns how many rows it inserted, changed or deleted. */
export async function run(db: Db, text: string, params: Params = []): Promise<number> {
  const result = await execute(db, text, params);
  return Number(result.numAffectedRows ?? result.rows.length);
}

/** Text with no parameters, as is (DDL, several statements): one simple query. */
export async function exec(db: Db, text: string): Promise<void> {
  const direct = sqliteDirectOf(db);
  if (direct) await onSqlite(db, direct, () => direct.run(text, []));
  else await db.executeQuery(CompiledQuery.raw(text, []));
}

export interface TransactionOptions {
  /**
   * A read-only transaction whose every query sees the database as of its first one
   * (PostgreSQL: REPEATABLE READ READ ONLY; SQLite: a deferred read transaction), for reads that
   * must agree with each other, such as a page of messages and the log position it is at.
   */
  snapshot?: boolean;
}

/** Whether `db` is a transaction made by `transaction()`. */
export function isTransaction(db: Db): boolean {
  return inTransaction.has(db);
}

/**
 * Runs `work` in one transaction and returns what it returns: COMMIT when it resolves,
 * ROLLBACK when it throws. Every query of the transaction must go through the handle `work` is
 * given (on SQLite, the database itself waits until the transaction ends). SQLite begins
 * IMMEDIATE, taking the write lock at once so that a writer in another process waits instead
 * of failing half-way; PostgreSQL runs READ COMMITTED, and code that must serialize per row
 * locks it (`FOR UPDATE`, or an UPDATE). Called with a transaction, `work` joins it.
 */
export async function transaction<T>(
  db: Db,
  work: (tx: Db) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  if (inTransaction.has(db)) return work(db);
  const direct = sqliteDirectOf(db);
  if (direct) {
    // SQLite: the connection is held for the whole transaction, through the driver's queue,
    // and the transaction's queries run on it directly (a handle per transaction: one kept
    // past its end waits in the queue like any query).
    return holding(direct, async () => {
      const tx = sqliteTransactionHandle(db);
      const begin = options.snapshot ? "BEGIN" : "BEGIN IMMEDIATE";
      direct.run(begin, []);
      inTransaction.add(tx);
      observeAlso(db, tx);
      observeControl(tx, begin);
      try {
        const value = await work(tx);
        direct.run("COMMIT", []);
        observeControl(tx, "COMMIT");
        return value;
      } catch (error) {
        observeControl(tx, "ROLLBACK");
        try {
          direct.run("ROLLBACK", []);
        } catch {}
        throw error;
      } finally {
        inTransaction.delete(tx);
      }
    });
  }
  const begin = options.snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
  return db.connection().execute(async (connection) => {
    const tx = connection as Db;
    await exec(tx, begin);
    inTransaction.add(tx);
    observeAlso(db, tx);
    observeControl(tx, begin);
    try {
      const value = await work(tx);
      await exec(tx, "COMMIT");
      observeControl(tx, "COMMIT");
      return value;
    } catch (error) {
      observeControl(tx, "ROLLBACK");
      await exec(tx, "ROLLBACK").catch(() => {});
      throw error;
    } finally {
      inTransaction.delete(tx);
    }
  });
}

/** The first column of the first row, or undefined (counts, single values). */
export async function value<T>(db: Db, text: string, params: Params = []): Promise<T | undefined> {
  const row = await get<Record<string, T>>(db, text, params);
  return row === undefined ? undefined : Object.values(row)[0];
}

/** The first column of every row (ids, single values). */
export async function column<T>(db: Db, text: string, params: Params = []): Promise<T[]> {
  const rows = await all<Record<string, T>>(db, text, params);
  return rows.map((row) => Object.values(row)[0]!);
}
