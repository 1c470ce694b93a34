// Delivers the webhook outbox: signed per Standard Webhooks (its own library), at least once,
// a context's events in order, retried with backoff for 24 hours. It only reads and updates
// outbox rows, in its own short statements, so it never holds up a run; and since every state
// lives in the database, a restarted server carries on where the last one stopped (an event
// whose answer was lost to the restart is sent again, with the same webhook-id).
import {
  claimDueWebhookEvents,
  type Db,
  getWebhookEndpoint,
  type OutboxRow,
  pruneWebhookOutbox,
  recordWebhookAttempt,
} from "@agent-access/db";
import { Webhook } from "standardwebhooks";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export interface WebhookDispatcherOptions {
  db: Db;
  /** The secret of the WEBHOOK_URL endpoint (whsec_…). Default none: its events wait. */
  envSecret?: string | null;
  /** The clock of due times and the 24 h limit, in epoch ms. Default Date.now. */
  now?: () => number;
  /** A receiver that has not answered after this many ms counts as failed. Default 10 000. */
  timeoutMs?: number;
  /** How long an event is retried, from when it was queued. Default 24 hours. */
  retryForMs?: number;
  /**
   * Waits before the 1st, 2nd… retry; the last repeats. Default 5 s, 30 s, 2 min, 10 min,
   * 30 min, 1 h, 2 h, 4 h, 8 h: about ten attempts in 24 h.
   */
  retryDelaysMs?: readonly number[];
  /** How often it looks for due events when nothing woke it, in ms. Default 1000. */
  pollMs?: number;
  /** Deliveries at once (to different contexts or endpoints). Default 8. */
  concurrency?: number;
  /** Delivered and given-up events are forgotten after this many ms. Default 7 days. */
  keepForMs?: number;
  /** The fetch to use. Default the global fetch. */
  fetch?: typeof fetch;
  /** Errors of the dispatcher itself (not of receivers). Default console.error. */
  onError?: (error: unknown) => void;
}

const DEFAULT_DELAYS = [
  5 * SECOND,
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
];

/** How long past the receiver's timeout an event stays claimed by the dispatcher sending it. */
const CLAIM_MARGIN_MS = 30 * SECOND;

type Outcome = { responseStatus: number | null; error: string | null; retry: boolean };

export class WebhookDispatcher {
  readonly #db: Db;
  readonly #options: Required<Omit<WebhookDispatcherOptions, "db" | "envSecret">>;
  readonly #envSecret: string | null;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | null = null;
  #again = false;
  #closed = false;
  #lastPrune = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.#db = options.db;
    this.#envSecret = options.envSecret ?? null;
    this.#options = {
      now: options.now ?? Date.now,
      timeoutMs: options.timeoutMs ?? 10 * SECOND,
      retryForMs: options.retryForMs ?? 24 * HOUR,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_DELAYS,
      pollMs: options.pollMs ?? SECOND,
      concurrency: options.concurrency ?? 8,
      keepForMs: options.keepForMs ?? 7 * 24 * HOUR,
      fetch: options.fetch ?? globalThis.fetch,
      onError: options.onError ?? ((error) => console.error(error)),
    };
  }

  /** Starts delivering in the background. */
  start(): this {
    this.wake();
    return this;
  }

  /** Looks for due events now (called when new ones are queued). */
  wake(): void {
    if (this.#closed) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#pass = this.#run().finally(() => {
      this.#pass = null;
      if (this.#closed) return;
      if (this.#again) {
        this.#again = false;
        this.wake();
      } else {
        this.#timer = setTimeout(() => this.wake(), this.#options.pollMs);
        this.#timer.unref();
      }
    });
  }

  /** Stops; resolves once deliveries under way have been recorded. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#pass;
  }

  async #run(): Promise<void> {
    try {
      while (!this.#closed && (await this.deliverDue()) > 0) {}
      const now = this.#options.now();
      if (now - this.#lastPrune > HOUR) {
        await pruneWebhookOutbox(this.#db, now - this.#options.keepForMs);
        this.#lastPrune = now;
      }
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /**
   * One round: claims and attempts the due events (at most one per context and endpoint);
   * returns how many. Several instances' dispatchers share the outbox: each event is claimed by
   * one of them, and one that dies mid-delivery leaves it to be sent again once its claim lapses.
   */
  async deliverDue(): Promise<number> {
    const now = this.#options.now();
    // Claimed until the attempt can no longer be under way (the receiver's time and a margin for
    // the database), so another instance's dispatcher leaves it alone meanwhile.
    const due = await claimDueWebhookEvents(this.#db, {
      now,
      until: now + this.#options.timeoutMs + CLAIM_MARGIN_MS,
      limit: this.#options.concurrency,
    });
    await Promise.all(due.map((row) => this.#attempt(row)));
    return due.length;
  }

  async #attempt(row: OutboxRow): Promise<void> {
    const outcome = await this.#send(row);
    const at = this.#options.now();
    const delays = this.#options.retryDelaysMs;
    const retryAt = at + (delays[Math.min(row.attempts, delays.length - 1)] ?? 0);
    const stillTrying = outcome.retry && retryAt - row.created_at < this.#options.retryForMs;
    await recordWebhookAttempt(this.#db, row.seq, {
      at,
      responseStatus: outcome.responseStatus,
      error: outcome.error,
      outcome:
        outcome.responseStatus !== null && outcome.error === null
          ? { status: "delivered" }
          : stillTrying
            ? { status: "pending", retryAt }
            : { status: "failed" },
    });
  }

  async #send(row: OutboxRow): Promise<Outcome> {
    const endpoint = await getWebhookEndpoint(this.#db, row.endpoint_id);
    if (!endpoint) return { responseStatus: null, error: "endpoint removed", retry: false };
    const secret = endpoint.source === "env" ? this.#envSecret : endpoint.secret;
    if (!secret) return { responseStatus: null, error: "WEBHOOK_SECRET is not set", retry: true };
    // Receivers compare the timestamp with their own clock, so it is the real time.
    const sentAt = new Date();
    let signature: string;
    try {
      signature = new Webhook(secret).sign(row.id, sentAt, row.payload);
    } catch (error) {
      return {
        responseStatus: null,
        error: `cannot sign: ${(error as Error).message}`,
        retry: false,
      };
    }
    try {
      const response = await this.#options.fetch(endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": row.id,
          "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
          "webhook-signature": signature,
        },
        body: row.payload,
        redirect: "manual",
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
      await response.body?.cancel();
      const status = response.status;
      if (status >= 200 && status < 300)
        return { responseStatus: status, error: null, retry: false };
      // A 4xx says the request itself is refused, and sending it again will not change that;
      // 429 asks to come back later, and 5xx or a redirect may be passing.
      const retry = !(status >= 400 && status < 500) || status === 429;
      return { responseStatus: status, error: `HTTP ${status}`, retry };
    } catch (error) {
      const reason =
        error instanceof DOMException && error.name === "TimeoutError"
          ? `no answer within ${this.#options.timeoutMs} ms`
          : (error as Error).message;
      return { responseStatus: null, error: reason, retry: true };
    }
  }
}
