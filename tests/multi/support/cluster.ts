// Two real server processes, A and B, on one PostgreSQL database, as two instances behind a load
// balancer: the same DATABASE_URL and PUBLIC_URL, each on its own random port. A browser is one
// cookie jar with a client per instance, so a test can send a request to either.
// Each test file makes its own schema in the run's database (postgres-global-setup.ts provides
// it) and drops it at the end; nothing depends on anything left behind. Without PostgreSQL the
// files are skipped, with the one line the global setup prints (a failure under CI=true).
import {
  closeDatabase,
  createApiKey,
  type Db,
  get,
  listContextEvents,
  openPostgres,
  value,
} from "@agent-access/db";
import { describe, inject } from "vitest";
import { CookieClient, trpcResult } from "../../../apps/server/test/harness.ts";
import {
  type ServerProcess,
  startServerProcess,
} from "../../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../../apps/server/test/tickets.ts";
import { createTestSchema, type TestSchema } from "../../../packages/db/test/postgres.ts";
import { until } from "../../security/support/database.ts";

/** The run's PostgreSQL database, or null when the PostgreSQL suites are skipped. */
export const postgresUrl = inject("postgresUrl");

/** `describe`, skipped (with the global setup's one line) where no PostgreSQL answers. */
export function describeCluster(name: string, body: () => void): void {
  describe.skipIf(!postgresUrl)(name, body);
}

const NO_QUOTAS = Object.fromEntries(
  [
    "LIMIT_SESSION_RUNS",
    "LIMIT_GROUP_RUNS",
    "LIMIT_SESSION_STREAMS",
    "LIMIT_GROUP_STREAMS",
    "LIMIT_SESSION_CONTEXTS_PER_MINUTE",
    "LIMIT_GROUP_CONTEXTS_PER_MINUTE",
    "LIMIT_SESSION_MESSAGES_PER_MINUTE",
    "LIMIT_GROUP_MESSAGES_PER_MINUTE",
  ].map((name) => [name, "1000000"]),
);

/** The one origin both instances serve, as a load balancer's would be. */
export const PUBLIC_URL = "http://agent-access.localhost";

export interface Cluster {
  /** The schema's database URL (its search path a connection option) the instances share. */
  databaseUrl: string;
  /** The test's own pool on that schema, for checking what the instances stored. */
  db: Db;
  /** An API key of the host backend, for minting tickets on either instance. */
  apiKey: string;
  a: ServerProcess;
  b: ServerProcess;
  /** Starts one more instance on the same database (closed with the cluster). */
  start(env?: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** More environment for every instance. */
  env?: Record<string, string>;
}

/** A migrated schema with A and B on it (A first: it migrates and seeds; then B). */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  if (!postgresUrl) throw new Error("no PostgreSQL for this run (see the global setup's line)");
  const schema: TestSchema = await createTestSchema(postgresUrl);
  const processes: ServerProcess[] = [];
  let db: Db | null = null;
  const start = async (env: Record<string, string> = {}) => {
    const server = await startServerProcess({
      production: false,
      env: {
        DATABASE_URL: schema.url,
        DATABASE_POOL_SIZE: "5",
        PUBLIC_URL,
        // Each client names its own address (X-Forwarded-For) where a test makes many sessions,
        // so that per-address limits are not what decides.
        TRUST_PROXY: "true",
        // Many conversations and sends per session and minute: the quotas are not tested here.
        ...NO_QUOTAS,
        ...options.env,
        ...env,
      },
    });
    processes.push(server);
    return server;
  };
  const close = async () => {
    for (const server of processes.splice(0).reverse()) await server.stop("SIGKILL");
    if (db) await closeDatabase(db);
    await schema.drop();
  };
  try {
    const a = await start();
    const b = await start();
    db = openPostgres(schema.url, { poolSize: 4 });
    const { key } = await createApiKey(db, "multi-instance suite");
    return { databaseUrl: schema.url, db, apiKey: key, a, b, start, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A browser: one cookie jar and origin (PUBLIC_URL), and a client for each instance it uses. */
export class Browser {
  readonly cookies = new Map<string, string>();
  private readonly clients = new Map<string, CookieClient>();

  constructor(readonly headers: Record<string, string> = {}) {}

  /** The browser's requests to `server`, with its cookies. */
  on(server: { url: string }): CookieClient {
    let client = this.clients.get(server.url);
    if (!client) {
      client = new CookieClient(server.url, PUBLIC_URL, this.cookies);
      this.clients.set(server.url, client);
    }
    return client;
  }
}

/**
 * A browser holding a live static session of `contextGroup`: the ticket minted on `mintOn`, as
 * the host backend would, and exchanged on `exchangeOn`.
 */
export async function agentBrowser(
  cluster: Cluster,
  contextGroup: string,
  { mintOn = cluster.a, exchangeOn = cluster.a, agentIds }: BrowserOptions = {},
): Promise<Browser> {
  const { ticket } = await mintStaticTicket(mintOn, cluster.apiKey, contextGroup, {
    expires_in: 3600,
    ...(agentIds ? { agent_ids: agentIds } : {}),
  });
  const browser = new Browser();
  const answer = await trpcResult(
    await browser.on(exchangeOn).mutation("session.exchange", { ticket }),
  );
  if (answer.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(answer)}`);
  return browser;
}

export interface BrowserOptions {
  mintOn?: ServerProcess;
  exchangeOn?: ServerProcess;
  agentIds?: string[];
}

/** A tRPC mutation through `client`; throws with the answer unless it succeeded. */
export async function mutate<T>(client: CookieClient, path: string, input: unknown): Promise<T> {
  const answer = await trpcResult<T>(await client.mutation(path, input));
  if (answer.status !== 200) throw new Error(`${path} failed: ${JSON.stringify(answer)}`);
  return answer.data as T;
}

/** A context's status as stored. */
export async function contextStatus(db: Db, contextId: string): Promise<string | undefined> {
  return value<string>(db, "SELECT status FROM context WHERE id = ?", [contextId]);
}

/** A run's status as stored. */
export async function runStatus(db: Db, runId: string): Promise<string | undefined> {
  return value<string>(db, "SELECT status FROM run WHERE id = ?", [runId]);
}

/** Waits until the context is `status` with no run running. */
export function settled(
  db: Db,
  contextId: string,
  status: string,
  timeoutMs = 60_000,
): Promise<true> {
  return until(
    `context ${contextId} to be ${status}`,
    async () => {
      const running = await value<number>(
        db,
        "SELECT count(*) FROM run WHERE context_id = ? AND status = 'running'",
        [contextId],
      );
      return Number(running) === 0 && (await contextStatus(db, contextId)) === status
        ? true
        : undefined;
    },
    { timeoutMs, everyMs: 20 },
  );
}

/** The context's log as stored: seq and event, in order. */
export async function storedEvents(
  db: Db,
  contextId: string,
): Promise<{ seq: number; event: { type: string; [key: string]: unknown } }[]> {
  const rows = await listContextEvents(db, contextId, 0, 100_000);
  return rows.map((row) => ({ seq: Number(row.seq), event: JSON.parse(row.payload) }));
}

/** The context's last_seq as stored. */
export async function lastSeq(db: Db, contextId: string): Promise<number> {
  const row = await get<{ last_seq: number }>(db, "SELECT last_seq FROM context WHERE id = ?", [
    contextId,
  ]);
  return Number(row?.last_seq ?? 0);
}
