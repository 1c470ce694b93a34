// Prepared statements are compiled once per connection and reused for every call.
import type { Statement } from "better-sqlite3";
import type { Db } from "./connection.ts";

const cache = new WeakMap<Db, Map<string, Statement>>();

/** Returns the prepared statement for `text` on `db`, compiling it on first use only. */
export function statement<Params extends unknown[] | object = unknown[], Row = unknown>(
  db: Db,
  text: string,
): Statement<Params, Row> {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let prepared = statements.get(text);
  if (!prepared) {
    prepared = db.prepare(text);
    statements.set(text, prepared);
  }
  return prepared as unknown as Statement<Params, Row>;
}
