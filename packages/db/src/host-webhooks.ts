// The host's webhooks: endpoints (WEBHOOK_URL, or several added with the CLI) and the durable
// outbox of events to deliver to them. Not the demo workspace's webhook_endpoint tables.
import type { Db } from "./connection.ts";
import { newId } from "./secrets.ts";
import { all, get, isTransaction, run } from "./sql.ts";

export interface HostWebhookEndpointRow {
  id: string;
  url: string;
  /** Null for the endpoint of WEBHOOK_URL, whose secret stays in the environment. */
  secret: string | null;
  /** JSON array of event types. */
  events: string;
  source: "env" | "cli";
  created_at: number;
  disabled_at: number | null;
}

/** The id of the endpoint that WEBHOOK_URL configures. */
export const ENV_WEBHOOK_ENDPOINT_ID = "whe_env";

const ENDPOINT_COLUMNS = "id, url, secret, events, source, created_at, disabled_at";

export async function addWebhookEndpoint(
  db: Db,
  endpoint: { url: string; secret: string; events: readonly string[] },
  now = Date.now(),
): Promise<HostWebhookEndpointRow> {
  const row = await get<HostWebhookEndpointRow>(
    db,
    `INSERT INTO host_webhook_endpoint (id, url, secret, events, source, created_at)
     VALUES (?, ?, ?, ?, 'cli', ?) RETURNING ${ENDPOINT_COLUMNS}`,
    [newId("whe"), endpoint.url, endpoint.secret, JSON.stringify(endpoint.events), now],
  );
  return row!;
}

/**
 * Makes the WEBHOOK_URL endpoint match the environment: present and enabled with `url` and
 * `events`, or disabled when `url` is null. Its pending events stay and go out once it is back.
 */
export async function syncEnvWebhookEndpoint(
  db: Db,
  endpoint: { url: string; events: readonly string[] } | null,
  now = Date.now(),
): Promise<void> {
  if (endpoint === null) {
    await run(
      db,
      "UPDATE host_webhook_endpoint SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL",
      [now, ENV_WEBHOOK_ENDPOINT_ID],
    );
    return;
  }
  await run(
    db,
    `INSERT INTO host_webhook_endpoint (id, url, secret, events, source, created_at)
     VALUES (?, ?, NULL, ?, 'env', ?)
     ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events, disabled_at = NULL`,
    [ENV_WEBHOOK_ENDPOINT_ID, endpoint.url, JSON.stringify(endpoint.events), now],
  );
}

export function listWebhookEndpoints(db: Db): Promise<HostWebhookEndpointRow[]> {
  return all<HostWebhookEndpointRow>(
    db,
    `SELECT ${ENDPOINT_COLUMNS} FROM host_webhook_endpoint ORDER BY created_at, id`,
  );
}

export function getWebhookEndpoint(
  db: Db,
  id: string,
): Promise<HostWebhookEndpointRow | undefined> {
  return get<HostWebhookEndpointRow>(
    db,
    `SELECT ${ENDPOINT_COLUMNS} FROM host_webhook_endpoint WHERE id = ?`,
    [id],
  );
}

/** Removes an endpoint and its undelivered events; returns false when there is none. */
export async function removeWebhookEndpoint(db: Db, id: string): Promise<boolean> {
  return (await run(db, "DELETE FROM host_webhook_endpoint WHERE id = ?", [id])) === 1;
}

/** The enabled endpoints that take `eventType`. */
export function endpointsFor(db: Db, eventType: string): Promise<{ id: string }[]> {
  return all<{ id: string }>(
    db,
    `SELECT id FROM host_webhook_endpoint
      WHERE disabled_at IS NULL AND CAST(? AS text) IN (SELECT value FROM json_each(events))`,
    [eventType],
  );
}

export interface OutboxEvent {
  type: string;
  contextId: string;
  contextGroup: string;
  /** The JSON body, as it will be signed and sent. */
  payload: string;
}

/**
 * Queues an event for every enabled endpoint that takes its type (`endpoints`, when the caller
 * has just read them with endpointsFor in the same transaction). Call it inside the transaction
 * that makes the change: a rollback then takes the event with it.
 */
export async function enqueueWebhookEvent(
  db: Db,
  event: OutboxEvent,
  now: number,
  endpoints?: readonly { id: string }[],
): Promise<number> {
  if (!isTransaction(db)) throw new Error("enqueueWebhookEvent must run inside a transaction");
  const insert = `INSERT INTO webhook_outbox (id, endpoint_id, event_type, context_id, context_group, payload,
       next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
  endpoints ??= await endpointsFor(db, event.type);
  for (const endpoint of endpoints) {
    await run(db, insert, [
      newId("msg"),
      endpoint.id,
      event.type,
      event.contextId,
      event.contextGroup,
      event.payload,
      now,
      now,
    ]);
  }
  return endpoints.length;
}

export type OutboxStatus = "pending" | "delivered" | "failed";

export interface OutboxRow {
  seq: number;
  id: string;
  endpoint_id: string;
  event_type: string;
  context_id: string;
  context_group: string;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const OUTBOX_COLUMNS = `o.seq, o.id, o.endpoint_id, o.event_type, o.context_id, o.context_group,
  o.payload, o.status, o.attempts, o.next_attempt_at, o.last_attempt_at, o.last_response_status,
  o.last_error, o.created_at, o.delivered_at`;

/**
 * Claims the events due at `now`, each the oldest pending event of its context for its endpoint
 * (a context's later events wait until the earlier one is delivered or given up, which keeps
 * their order), and returns them in order. A claim moves the event's next attempt to `until`, so
 * that no other dispatcher (another instance on the same database) takes it meanwhile; the
 * attempt's record sets the real next time. An instance that dies mid-delivery leaves its claims
 * to lapse at `until`, when another sends them again (at least once, same webhook-id). On
 * PostgreSQL, a dispatcher that races for a row waits for the other's claim and then skips it,
 * as the row is no longer due.
 */
export async function claimDueWebhookEvents(
  db: Db,
  claim: { now: number; until: number; limit: number },
): Promise<OutboxRow[]> {
  const rows = await all<OutboxRow>(
    db,
    `UPDATE webhook_outbox AS o SET next_attempt_at = :until
      WHERE o.status = 'pending' AND o.next_attempt_at <= :now
        AND o.seq IN (SELECT d.seq FROM webhook_outbox d
          JOIN host_webhook_endpoint e ON e.id = d.endpoint_id AND e.disabled_at IS NULL
         WHERE d.status = 'pending' AND d.next_attempt_at <= :now
           AND NOT EXISTS (SELECT 1 FROM webhook_outbox p
             WHERE p.status = 'pending' AND p.endpoint_id = d.endpoint_id
               AND p.context_id = d.context_id AND p.seq < d.seq)
         ORDER BY d.seq LIMIT :limit)
      RETURNING ${OUTBOX_COLUMNS.replaceAll("o.", "")}`,
    claim,
  );
  return rows.sort((a, b) => a.seq - b.seq);
}

export interface AttemptResult {
  at: number;
  /** The receiver's HTTP status, or null when no answer came (refused, timed out). */
  responseStatus: number | null;
  error: string | null;
  /** delivered, failed (given up), or pending with the time of the next try. */
  outcome: { status: "delivered" } | { status: "failed" } | { status: "pending"; retryAt: number };
}

export async function recordWebhookAttempt(
  db: Db,
  seq: number,
  result: AttemptResult,
): Promise<void> {
  await run(
    db,
    `UPDATE webhook_outbox SET attempts = attempts + 1, last_attempt_at = :at,
       last_response_status = :responseStatus, last_error = :error, status = :status,
       next_attempt_at = coalesce(:retryAt, next_attempt_at),
       delivered_at = CASE WHEN :status = 'delivered' THEN CAST(:at AS bigint) END
     WHERE seq = :seq`,
    {
      seq,
      at: result.at,
      responseStatus: result.responseStatus,
      error: result.error,
      status: result.outcome.status,
      retryAt: result.outcome.status === "pending" ? result.outcome.retryAt : null,
    },
  );
}

/** The newest deliveries, optionally of one endpoint or status, newest first. */
export function listWebhookDeliveries(
  db: Db,
  query: { endpointId?: string; status?: OutboxStatus; limit: number },
): Promise<OutboxRow[]> {
  return all<OutboxRow>(
    db,
    `SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox o
      WHERE (CAST(:endpointId AS text) IS NULL OR o.endpoint_id = :endpointId)
        AND (CAST(:status AS text) IS NULL OR o.status = :status)
      ORDER BY o.seq DESC LIMIT :limit`,
    {
      endpointId: query.endpointId ?? null,
      status: query.status ?? null,
      limit: query.limit,
    },
  );
}

/** Forgets delivered and given-up events older than `before`; returns how many. */
export function pruneWebhookOutbox(db: Db, before: number): Promise<number> {
  return run(db, "DELETE FROM webhook_outbox WHERE status <> 'pending' AND created_at < ?", [
    before,
  ]);
}
