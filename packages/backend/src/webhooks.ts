// Verifying the server's webhooks on the receiving backend, per the Standard Webhooks
// specification: HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with the endpoint's
// secret (whsec_ and base64), compared in constant time, and a timestamp within 5 minutes so an
// old request cannot be replayed. node:crypto only: the SDK has no dependencies.
import { createHmac, timingSafeEqual } from "node:crypto";

/** A webhook that is not signed with the secret, is malformed, or is too old or too new. */
export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

export type WebhookEventType =
  | "run.finished"
  | "approval.requested"
  | "input.requested"
  | "context.created"
  | "context.deleted";

interface ContextRef {
  contextId: string;
  contextGroup: string;
  agentId: string;
}

export interface RunFinishedData extends ContextRef {
  runId: string;
  status: "completed" | "failed" | "cancelled" | "interrupted";
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  /** Why the run failed or was interrupted. */
  error?: string;
}

export interface WaitingData extends ContextRef {
  runId: string;
  /** The assistant message holding the tool call. */
  messageId: string;
  toolCallId: string;
  toolName: string;
}

interface Event<Type extends WebhookEventType, Data> {
  /** The webhook-id: the same for every retry of one event, so use it to drop duplicates. */
  id: string;
  type: Type;
  /** When the event happened, ISO 8601. */
  timestamp: string;
  data: Data;
}

/** What a verified webhook says. Delivery is at least once: the same `id` may come again. */
export type WebhookEvent =
  | Event<"run.finished", RunFinishedData>
  | Event<"approval.requested", WaitingData>
  | Event<"input.requested", WaitingData>
  | Event<"context.created", ContextRef>
  | Event<"context.deleted", ContextRef>;

export interface VerifyWebhookOptions {
  /** How far the webhook-timestamp may be from now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The current time. Default: now. */
  now?: Date;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string {
  const value =
    headers instanceof Headers
      ? headers.get(name)
      : (Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1] ?? null);
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) throw new WebhookVerificationError(`missing ${name} header`);
  return text;
}

function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  if (key.length === 0) throw new TypeError("the webhook secret is empty or not base64");
  return key;
}

type Wire = Record<string, unknown>;

function camelData(data: Wire): WebhookEvent["data"] {
  const out: Wire = {};
  for (const [key, value] of Object.entries(data)) {
    const name = key.replace(/_([a-z])/g, (_, char: string) => char.toUpperCase());
    out[name] =
      key === "usage" && value && typeof value === "object" ? camelData(value as Wire) : value;
  }
  return out as unknown as WebhookEvent["data"];
}

/**
 * Checks that `payload` (the raw request body, exactly as received) was signed with `secret`
 * and is recent, and returns the event. Throws WebhookVerificationError otherwise. Read the body
 * as text before any JSON parsing: a re-serialised body no longer matches its signature.
 */
export function verifyWebhook(
  payload: string | Buffer,
  headers: HeaderSource,
  secret: string,
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError("malformed webhook-timestamp header");
  }
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (seconds < now - tolerance) throw new WebhookVerificationError("the webhook is too old");
  if (seconds > now + tolerance)
    throw new WebhookVerificationError("the webhook is from the future");

  const body = typeof payload === "string" ? payload : payload.toString("utf8");
  const expected = createHmac("sha256", secretKey(secret))
    .update(`${id}.${timestamp}.${body}`)
    .digest();
  // The header may carry several signatures (during a secret's rotation), space-separated.
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    if (version !== "v1" || !signature) return false;
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError("no matching signature");

  let event: { type: WebhookEventType; timestamp: string; data: Wire };
  try {
    event = JSON.parse(body);
  } catch {
    throw new WebhookVerificationError("the body is not JSON");
  }
  return {
    id,
    type: event.type,
    timestamp: event.timestamp,
    data: camelData(event.data),
  } as WebhookEvent;
}
