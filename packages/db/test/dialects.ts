// One suite, both dialects: `describeEachDialect` runs its body once on SQLite (in memory) and
// once on PostgreSQL (a fresh schema per test in the run's database; skipped, with the one line
// of the global setup, where no PostgreSQL answers). `open` gives each test a migrated
// database, closed (and its schema dropped) after the test.
import { afterAll, afterEach, beforeAll, beforeEach, describe, inject } from "vitest";
import {
  closeDatabase,
  type Db,
  type Dialect,
  openDatabase,
  openPostgres,
} from "../src/connection.ts";
import { migrate } from "../src/migrate.ts";
import { createTestSchema } from "./postgres.ts";

export interface DialectSuite {
  dialect: Dialect;
  /** A new, migrated (unless `migrate: false`), empty database for this test. */
  open(options?: { migrate?: boolean; poolSize?: number }): Promise<Db>;
  /**
   * PostgreSQL: another pool on the same database and schema as `db`, as a second server
   * instance would hold. SQLite: null.
   */
  openAnother(db: Db, options?: { poolSize?: number }): Db | null;
  /** PostgreSQL: the URL of `db` (its schema on the search path); SQLite: null. */
  urlOf(db: Db): string | null;
}

const urls = new WeakMap<Db, string>();
let current: DialectSuite | null = null;

/**
 * A new, migrated database for a test: on the dialect of the enclosing describeEachDialect
 * suite, or SQLite in memory outside one. Test harnesses open theirs with it, so a test file
 * wrapped in describeEachDialect runs its harness on both dialects.
 */
export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<Db> {
  if (current) return current.open(options);
  const db = openDatabase(":memory:");
  if (options.migrate !== false) await migrate(db);
  return db;
}

/** The dialect of the enclosing describeEachDialect suite ("sqlite" outside one). */
export function testDialect(): Dialect {
  return current?.dialect ?? "sqlite";
}

/** The suite of the enclosing describeEachDialect, or null outside one. */
export function currentSuite(): DialectSuite | null {
  return current;
}

/** The PostgreSQL database of this test run, or null when the PostgreSQL suites are skipped. */
export function testPostgresUrl(): string | null {
  return inject("postgresUrl");
}

/** Both dialects' suites, as `describe(name + " [dialect]", ...)`. */
export function describeEachDialect(name: string, body: (suite: DialectSuite) => void): void {
  for (const dialect of ["sqlite", "postgres"] as const) {
    const postgresUrl = inject("postgresUrl");
    describe.skipIf(dialect === "postgres" && !postgresUrl)(`${name} [${dialect}]`, () => {
      // What a test opens is closed after it; what a beforeAll opens, after the suite.
      const testCleanups: (() => Promise<void>)[] = [];
      const suiteCleanups: (() => Promise<void>)[] = [];
      let inTest = false;
      const cleanups = {
        push: (cleanup: () => Promise<void>) =>
          (inTest ? testCleanups : suiteCleanups).push(cleanup),
      };
      const suite: DialectSuite = {
        dialect,
        async open(options = {}) {
          let db: Db;
          if (dialect === "sqlite") {
            db = openDatabase(":memory:");
          } else {
            const schema = await createTestSchema(postgresUrl!);
            cleanups.push(schema.drop);
            db = openPostgres(schema.url, { poolSize: options.poolSize ?? 4 });
            urls.set(db, schema.url);
          }
          cleanups.push(async () => await closeDatabase(db));
          if (options.migrate !== false) await migrate(db);
          return db;
        },
        openAnother(db, options = {}) {
          const url = urls.get(db);
          if (!url) return null;
          const another = openPostgres(url, { poolSize: options.poolSize ?? 4 });
          // Closed before the schema is dropped (cleanups run in reverse).
          cleanups.push(async () => await closeDatabase(another));
          return another;
        },
        urlOf: (db) => urls.get(db) ?? null,
      };
      beforeAll(() => {
        current = suite;
      });
      afterAll(async () => {
        current = null;
        for (const cleanup of suiteCleanups.splice(0).reverse()) await cleanup();
      });
      beforeEach(() => {
        current = suite;
        inTest = true;
      });
      afterEach(async () => {
        inTest = false;
        for (const cleanup of testCleanups.splice(0).reverse()) await cleanup();
      });
      body(suite);
    });
  }
}

export { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
