// PostgreSQL for the benchmarks: one database created for the run and dropped at its end, and
// inside it a fresh schema per server (or per group of servers that share one database, as
// instances do), so that no benchmark sees another's rows. The server reached is
// TEST_POSTGRES_URL, by default the local role that scripts/postgres.sh creates: the same
// helpers the test suites use (@agent-access/db/postgres-admin).
import {
  adminUrl,
  createTestDatabase,
  createTestSchema,
  postgresUnavailable,
} from "@agent-access/db/postgres-admin";
import pg from "pg";

export { adminUrl, postgresUnavailable };

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
  const database = await createTestDatabase(url);
  const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  await client.connect();
  let version: string;
  try {
    version = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!
      .server_version;
  } finally {
    await client.end();
  }
  return {
    url: database.url,
    version,
    // Each schema lives as long as the run's database, which `drop` removes whole.
    schema: async () => (await createTestSchema(database.url)).url,
    drop: database.drop,
  };
}
