// Wake-ups between server instances on PostgreSQL: `notify` sends a short payload on a channel
// (inside a transaction, PostgreSQL sends it when the transaction commits, never if it rolls
// back), and a `Listener` receives every channel it was asked for on one dedicated session
// (LISTEN needs a session, so it connects to DATABASE_DIRECT_URL, past any transaction-mode
// pooler). Notifications carry wake-ups, never data: receivers read what changed from the
// tables, so a notification missed while the session was down costs only a read, which
// `onReconnect` handlers make.
//
// On SQLite everything runs in one process: `notify` does nothing and the listener never fires;
// the engine's in-process paths (its bus, its run drivers) carry everything.
import { createRequire } from "node:module";
import type pg from "pg";
import { type Db, dialectOf, directUrlOf, redactUrl } from "./connection.ts";
import { get } from "./sql.ts";

export type NotificationHandler = (payload: string) => void;

export interface Listener {
  /**
   * Calls `handler` with each payload sent on `channel` (by any instance, this one included)
   * from now on; the returned function stops it.
   */
  on(channel: string, handler: NotificationHandler): () => void;
  /**
   * Calls `handler` after each reconnection of the session: notifications sent while it was
   * down are lost, so whoever waits on one must read the tables again.
   */
  onReconnect(handler: () => void): () => void;
  /**
   * Resolves once the session listens on every channel asked so far (at once on SQLite, or
   * before any `on`).
   */
  ready(): Promise<void>;
  /** Whether the session is up (always true on SQLite; false before any `on`). */
  connected(): boolean;
  /** Ends the session and every handler; closing again does nothing. */
  close(): Promise<void>;
}

/** Channel names are SQL identifiers: lower-case letters, digits and underscores. */
const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkChannel(channel: string): void {
  if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${JSON.stringify(channel)}`);
}

/**
 * Sends `payload` (at most 8,000 bytes) on `channel`. In a transaction it is sent at commit, and
 * not at all on rollback; outside one, at once. Does nothing on SQLite.
 */
export async function notify(db: Db, channel: string, payload: string): Promise<void> {
  if (dialectOf(db) !== "postgres") return;
  checkChannel(channel);
  await get(db, "SELECT pg_notify(?, ?)", [channel, payload]);
}

const require = createRequire(import.meta.url);

export interface ListenerOptions {
  /** The first wait before reconnecting, doubled per failed attempt up to `maxBackoffMs`. */
  minBackoffMs?: number;
  /** Default 5000. */
  maxBackoffMs?: number;
  /** Told of each lost session and failed reconnection. Default: a line on stderr. */
  onError?: (error: unknown) => void;
}

/** A listener for `db`'s database: on PostgreSQL a session on its direct URL. */
export function createListener(db: Db, options: ListenerOptions = {}): Listener {
  if (dialectOf(db) !== "postgres") return inProcessListener();
  return new PostgresListener(directUrlOf(db)!, options);
}

function inProcessListener(): Listener {
  return {
    on: () => () => {},
    onReconnect: () => () => {},
    ready: async () => {},
    connected: () => true,
    close: async () => {},
  };
}

class PostgresListener implements Listener {
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client: pg.Client | null = null;
  private listening = new Set<string>();
  private closed = false;
  private up = false;
  private backoff: number;
  private timer: NodeJS.Timeout | null = null;
  /** Settles when the current connection attempt (and its LISTENs) is done; null before the first `on`. */
  private connecting: Promise<void> | null = null;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly url: string,
    private readonly options: ListenerOptions,
  ) {
    this.backoff = options.minBackoffMs ?? 100;
    this.onError =
      options.onError ??
      ((error) =>
        console.error(
          `notifications: the session to ${redactUrl(url)} failed (reconnecting):`,
          error instanceof Error ? error.message : error,
        ));
  }

  on(channel: string, handler: NotificationHandler): () => void {
    checkChannel(channel);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    // The session opens with the first channel asked for: a runtime nobody listens through
    // holds no connection.
    if (!this.connecting && !this.closed) this.connecting = this.connect(false);
    else if (this.up && !this.listening.has(channel)) {
      // A session lost meanwhile is reported by its own events, and the reconnection listens
      // on every channel again: this LISTEN failing is nothing more to handle.
      this.connecting = (this.connecting ?? Promise.resolve())
        .then(() => this.listen(channel))
        .catch(() => {});
    }
    return () => {
      set.delete(handler);
    };
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => {
      this.reconnectHandlers.delete(handler);
    };
  }

  async ready(): Promise<void> {
    if (!this.connecting) return;
    for (;;) {
      const current: Promise<void> | null = this.connecting;
      await current;
      if (this.closed || (this.up && current === this.connecting)) return;
      if (!this.up) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  connected(): boolean {
    return this.up;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    if (this.timer) clearTimeout(this.timer);
    this.handlers.clear();
    this.reconnectHandlers.clear();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async listen(channel: string): Promise<void> {
    if (!this.client || this.listening.has(channel)) return;
    // A channel name is an identifier; checkChannel allows nothing that needs quoting.
    await this.client.query(`LISTEN ${channel}`);
    this.listening.add(channel);
  }

  private async connect(isReconnect: boolean): Promise<void> {
    if (this.closed) return;
    const { Client } = require("pg") as typeof pg;
    const client = new Client({ connectionString: this.url });
    const lost = (error?: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      this.up = false;
      if (!this.closed) {
        this.onError(error ?? new Error("the session ended"));
        this.schedule();
      }
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (message) => {
      const set = this.handlers.get(message.channel);
      if (!set) return;
      for (const handler of [...set]) {
        try {
          handler(message.payload ?? "");
        } catch (error) {
          this.onError(error);
        }
      }
    });
    try {
      await client.connect();
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.listening = new Set();
      for (const channel of this.handlers.keys()) await this.listen(channel);
      this.up = true;
      this.backoff = this.options.minBackoffMs ?? 100;
    } catch (error) {
      if (this.client === client) this.client = null;
      await client.end().catch(() => {});
      if (!this.closed) {
        this.onError(error);
        this.schedule();
      }
      return;
    }
    if (isReconnect) {
      for (const handler of [...this.reconnectHandlers]) {
        try {
          handler();
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const wait = this.backoff;
    this.backoff = Math.min(wait * 2, this.options.maxBackoffMs ?? 5000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connecting = this.connect(true);
    }, wait);
    this.timer.unref();
  }
}
