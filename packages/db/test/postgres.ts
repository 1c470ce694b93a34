// Test support for PostgreSQL: a uniquely named database per test run, created at the start and
// dropped at the end (vitest's global setup, postgres-global-setup.ts), and inside it a fresh
// schema per test, so tests in parallel files never see each other's rows. Nothing depends on a
// database left behind. The server reached is TEST_POSTGRES_URL, by default the local role that
// scripts/postgres.sh creates.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { redactUrl } from "../src/connection.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's PostgreSQL database (global setup), or null when those suites are skipped. */
    postgresUrl: string | null;
  }
}

export const DEFAULT_TEST_POSTGRES_URL =
  "postgres://agent_access:agent_access@127.0.0.1:5432/postgres";

/** The maintenance URL tests connect to, to create and drop their databases. */
export function adminUrl(): string {
  return process.env.TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
}

/** `url` pointed at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Null when PostgreSQL answers at `url` and may create databases; else why not, in words. */
export async function postgresUnavailable(url = adminUrl()): Promise<string | null> {
  try {
    const canCreate = await withClient(url, async (client) => {
      const result = await client.query<{ ok: boolean }>(
        "SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user",
      );
      return result.rows[0]?.ok === true;
    });
    return canCreate ? null : `the role of ${redactUrl(url)} may not create databases`;
  } catch (error) {
    const message = error instanceof Error ? error.message || error.name : String(error);
    return `no PostgreSQL at ${redactUrl(url)} (${message})`;
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name; `drop` removes it, ending its connections. */
export async function createTestDatabase(url = adminUrl()): Promise<TestDatabase> {
  const name = `aa_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  await withClient(url, (client) => client.query(`CREATE DATABASE ${name}`));
  return {
    url: withDatabase(url, name),
    drop: async () => {
      await withClient(url, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}

export interface TestSchema {
  /** The database URL with this schema first on the search path (a connection option). */
  url: string;
  drop(): Promise<void>;
}

/** A fresh schema inside `databaseUrl`, for one test. */
export async function createTestSchema(databaseUrl: string): Promise<TestSchema> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  await withClient(databaseUrl, (client) => client.query(`CREATE SCHEMA ${name}`));
  const url = new URL(databaseUrl);
  // A start-up parameter, not a SET: it holds for every connection of the pool.
  url.searchParams.set("options", `-c search_path=${name}`);
  return {
    url: url.toString(),
    drop: async () => {
      await withClient(databaseUrl, (client) => client.query(`DROP SCHEMA ${name} CASCADE`));
    },
  };
}
