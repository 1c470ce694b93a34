// Live events across server instances. A commit appends its events to the log and, in the same
// transaction, sends a wake-up on EVENTS_CHANNEL (PostgreSQL NOTIFY, delivered at commit): which
// instance committed, on which context, up to which seq, or that the context was deleted. Each
// runtime with open event streams listens (engine.listener, a session on DATABASE_DIRECT_URL).
// For another instance's commit on a context it has streams on, it pokes them: they read the
// log from the database past what they have, so they get every event in order, once. Its own
// commits reach its streams through its bus directly and their wake-ups are ignored. When the
// session is lost, wake-ups are lost with it: on reconnection every stream reads the log again,
// and streams of contexts deleted meanwhile end. Channels are database-wide (other
// applications, other test schemas): a wake-up about a context nobody here follows, or one that
// is not ours to read, is ignored.
//
// On SQLite there is one process and its bus carries everything: none of this runs.
import { dialectOf, liveContextIds, notify } from "@agent-access/db";
import type { Engine } from "./engine.ts";

/** The channel of commit wake-ups. */
export const EVENTS_CHANNEL = "agent_access_context_events";

interface WakeUp {
  /** The committing instance. */
  i: string;
  /** The context. */
  c: string;
  /** The last seq the commit appended (0 when it appended none). */
  s: number;
  /** Set when the commit deleted the context. */
  d?: 1;
}

/** The payload of a wake-up: short, and far below NOTIFY's 8,000 bytes. */
export function wakeUpPayload(
  instanceId: string,
  contextId: string,
  lastSeq: number,
  deleted = false,
): string {
  const wakeUp: WakeUp = { i: instanceId, c: contextId, s: lastSeq };
  if (deleted) wakeUp.d = 1;
  return JSON.stringify(wakeUp);
}

/**
 * The payload of wakeUpPayload (not deleted) around its last seq: `before` + seq + `after`, for
 * a statement that learns the seq itself (appendContextEvents).
 */
export function wakeUpAround(
  instanceId: string,
  contextId: string,
): { before: string; after: string } {
  const head = JSON.stringify({ i: instanceId, c: contextId } satisfies Omit<WakeUp, "s">);
  return { before: `${head.slice(0, -1)},"s":`, after: "}" };
}

function parseWakeUp(payload: string): WakeUp | null {
  try {
    const value = JSON.parse(payload) as Partial<WakeUp> | null;
    if (
      typeof value?.i === "string" &&
      typeof value.c === "string" &&
      typeof value.s === "number" &&
      Number.isSafeInteger(value.s)
    ) {
      return { i: value.i, c: value.c, s: value.s, ...(value.d === 1 ? { d: 1 as const } : {}) };
    }
  } catch {
    // Not one of ours: ignored like any stranger's payload.
  }
  return null;
}

/** Sends, at commit, the wake-up of a commit that deleted the context. */
export async function notifyDeleted(tx: Engine, contextId: string): Promise<void> {
  await notify(tx.db, EVENTS_CHANNEL, wakeUpPayload(tx.instanceId, contextId, 0, true));
}

/**
 * Wake-ups from the other instances, heard from the first event stream a runtime opens on (a
 * runtime nobody follows through holds no session for them).
 */
export class InstanceWakeUps {
  private started = false;

  constructor(private readonly engine: Engine) {}

  /** Starts listening, once; a stream calls it before it subscribes. */
  start(): void {
    if (this.started || dialectOf(this.engine.db) !== "postgres") return;
    this.started = true;
    const { listener } = this.engine;
    listener.on(EVENTS_CHANNEL, (payload) => this.heard(payload));
    listener.onReconnect(() => void this.catchUpAll());
    // Streams that read the log before the session first listened may have missed a wake-up:
    // once it listens, they read again.
    void listener.ready().then(() => this.catchUpAll());
  }

  private heard(payload: string): void {
    const wakeUp = parseWakeUp(payload);
    const { bus, instanceId } = this.engine;
    if (!wakeUp || wakeUp.i === instanceId || bus.size(wakeUp.c) === 0) return;
    if (wakeUp.d) bus.closeContext(wakeUp.c);
    else bus.poke(wakeUp.c, wakeUp.s);
  }

  /** Every stream reads the log again; those of contexts deleted meanwhile end. */
  private async catchUpAll(): Promise<void> {
    const { bus, db } = this.engine;
    const ids = bus.contextIds();
    if (ids.length === 0) return;
    let live: Set<string>;
    try {
      live = await liveContextIds(db, ids);
    } catch {
      // The database answers no better than the session did: the streams' own reads will fail
      // and end them with the error, and their clients resume with lastEventId.
      live = new Set(ids);
    }
    for (const id of ids) {
      if (live.has(id)) bus.poke(id);
      else bus.closeContext(id);
    }
  }
}
