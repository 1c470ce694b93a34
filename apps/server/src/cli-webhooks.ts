// `pnpm cli webhook …`: the host's webhook endpoints beside WEBHOOK_URL, and their deliveries.
import { randomBytes } from "node:crypto";
import {
  addWebhookEndpoint,
  type Db,
  listWebhookDeliveries,
  listWebhookEndpoints,
  type OutboxStatus,
  removeWebhookEndpoint,
} from "@agent-access/db";
import { z } from "zod";
import { isWebhookSecret } from "./env.ts";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./webhooks/index.ts";

export const WEBHOOK_USAGE = `  webhook add --url <url> [--events <type,…>] [--secret <whsec_…>]
                                  send events to another endpoint (default: every event;
                                  ${WEBHOOK_EVENT_TYPES.join(", ")});
                                  prints its id and secret once
  webhook list                    list endpoints (never their secrets)
  webhook remove <id>             stop sending to an endpoint; drops its undelivered events
  webhook deliveries [--endpoint <id>] [--status pending|delivered|failed] [--limit <n>]
                                  the newest deliveries and their state
  webhook secret                  print a new secret for WEBHOOK_SECRET`;

export interface WebhookOptions {
  url?: string;
  events?: string;
  secret?: string;
  endpoint?: string;
  status?: string;
  limit?: string;
  json: boolean;
}

function time(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString();
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

function parseEvents(list: string | undefined, fail: (message: string) => never) {
  if (list === undefined) return [...WEBHOOK_EVENT_TYPES];
  const events = [...new Set(list.split(",").map((type) => type.trim()))].filter(Boolean);
  const unknown = events.filter((type) => !WEBHOOK_EVENT_TYPES.includes(type as WebhookEventType));
  if (events.length === 0 || unknown.length > 0) {
    fail(`--events takes a comma-separated list of ${WEBHOOK_EVENT_TYPES.join(", ")}`);
  }
  return events;
}

export async function runWebhookCommand(
  db: Db,
  sub: string | undefined,
  arg: string | undefined,
  options: WebhookOptions,
  fail: (message: string) => never,
): Promise<void> {
  const print = (value: unknown): void => {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  };
  switch (sub) {
    case "secret":
      console.log(newSecret());
      return;
    case "add": {
      const url = z.url({ protocol: /^https?$/ }).safeParse(options.url);
      if (!url.success) fail("webhook add needs --url <http(s) URL>");
      const secret = options.secret ?? newSecret();
      if (!isWebhookSecret(secret)) fail("--secret must be whsec_ and base64 of 24 to 64 bytes");
      const events = parseEvents(options.events, fail);
      const endpoint = await addWebhookEndpoint(db, { url: url.data, secret, events });
      if (options.json) print({ id: endpoint.id, url: endpoint.url, events, secret });
      else {
        console.log(
          `Added webhook endpoint ${endpoint.id} for ${events.join(", ")}.\n\nSigning secret:\n\n  ${secret}\n\nGive it to the receiver (verifyWebhook in @agent-access/backend); it is not shown again.`,
        );
      }
      return;
    }
    case "list": {
      const endpoints = (await listWebhookEndpoints(db)).map(
        ({ secret: _secret, ...endpoint }) => ({
          ...endpoint,
          events: JSON.parse(endpoint.events) as string[],
        }),
      );
      if (options.json) {
        print(endpoints);
        return;
      }
      if (endpoints.length === 0) console.log("No webhook endpoints.");
      for (const e of endpoints) {
        const state = e.disabled_at === null ? "active" : `disabled ${time(e.disabled_at)}`;
        console.log(`${e.id}  ${e.url}  ${e.events.join(",")}  (${e.source})  ${state}`);
      }
      return;
    }
    case "remove":
      if (!arg) fail("webhook remove needs the endpoint id (see `pnpm cli webhook list`)");
      if (!(await removeWebhookEndpoint(db, arg))) fail(`no webhook endpoint with id ${arg}`);
      console.log(`Removed ${arg}.`);
      return;
    case "deliveries": {
      const status = z
        .enum(["pending", "delivered", "failed"])
        .optional()
        .safeParse(options.status);
      if (!status.success) fail("--status is pending, delivered or failed");
      const limit = z.coerce.number().int().min(1).max(1000).default(20).safeParse(options.limit);
      if (!limit.success) fail("--limit is a whole number from 1 to 1000");
      const rows = (
        await listWebhookDeliveries(db, {
          endpointId: options.endpoint,
          status: status.data as OutboxStatus | undefined,
          limit: limit.data,
        })
      ).map(({ payload: _payload, ...row }) => row);
      if (options.json) {
        print(rows);
        return;
      }
      if (rows.length === 0) console.log("No deliveries.");
      for (const r of rows) {
        const last = r.last_response_status ?? r.last_error ?? "-";
        const next = r.status === "pending" ? `  next ${time(r.next_attempt_at)}` : "";
        console.log(
          `${r.id}  ${r.endpoint_id}  ${r.event_type}  ${r.context_id}  ${r.status}  attempts ${r.attempts}  last ${last}${next}  queued ${time(r.created_at)}`,
        );
      }
      return;
    }
    default:
      fail(`unknown command: webhook ${sub ?? ""}`.trim());
  }
}
