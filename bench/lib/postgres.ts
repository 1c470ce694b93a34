// PostgreSQL for the benchmarks: one database created for the run and dropped at its end, and
// inside it a fresh schema per server (or per group of servers that share one database, as
// instances do), so that no benchmark sees another's rows. The server reached is
// TEST_POSTGRES_URL, by default the local role that scripts/postgres.sh creates.
import { randomBytes } from "node:crypto";
import { redactUrl } from "@agent-access/db";
import pg from "pg";

export const DEFAULT_POSTGRES_URL = "postgres://agent_access:agent_access@127.0.0.1:5432/postgres";

/** The maintenance URL the run creates and drops its database through. */
export function adminUrl(): string {
  return process.env.TEST_POSTGRES_URL || DEFAULT_POSTGRES_URL;
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

/** Null when PostgreSQL answers at `url` and the role may create databases; else why not. */
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

export interface BenchPostgres {
  /** The run's database. */
  url: string;
  /** A new empty schema in the run's database: its URL puts it first on the search path. */
  schema(): Promise<string>;
  /** PostgreSQL's version, for the report. */
  version: string;
  drop(): Promise<void>;
}

/** Creates the run's database; `drop` removes it, ending its connections. */
export async function createBenchDatabase(url = adminUrl()): Promise<BenchPostgres> {
  const name = `aa_bench_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const version = await withClient(url, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    return (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!
      .server_version;
  });
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  const databaseUrl = parsed.toString();
  return {
    url: databaseUrl,
    version,
    async schema() {
      const schema = `b_${randomBytes(6).toString("hex")}`;
      await withClient(databaseUrl, (client) => client.query(`CREATE SCHEMA ${schema}`));
      const schemaUrl = new URL(databaseUrl);
      // A start-up parameter, not a SET: it holds for every connection of every pool.
      schemaUrl.searchParams.set("options", `-c search_path=${schema}`);
      return schemaUrl.toString();
    },
    drop: () =>
      withClient(url, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
