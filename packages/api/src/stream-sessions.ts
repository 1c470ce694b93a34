// The re-check of open event streams' agent sessions (context.events): a session that expires,
// is revoked (session.end, or replaced by a newer exchange in the browser) or whose sign-in ends
// stops receiving events, and its streams end with UNAUTHORIZED within one interval. One
// re-check per server per interval serves every open stream: one look-up of the set of sessions
// with a stream open (agentSessionStates, a statement per SESSION_STATES_PER_STATEMENT sessions),
// its verdicts fanned out to the streams, instead of one query per stream (at 10,000 open streams
// and the default 5 s, 2,000 queries a second).
import { agentSessionStates, type Db } from "@agent-access/db";
import { judgeSessionState, NO_SESSION_MESSAGES } from "./agent-sessions.ts";

/** Why a watched stream must end: its session's refusal, or the check's own failure. */
export type StreamSessionEnd = { refusal: string } | { failure: unknown };

type Listener = (end: StreamSessionEnd) => void;

export class StreamSessionChecks {
  readonly #db: Db;
  readonly #now: () => number;
  readonly #intervalMs: number;
  /** Per agent session id, the streams open under it: each told once when the session ends. */
  readonly #streams = new Map<string, Set<Listener>>();
  #timer: NodeJS.Timeout | null = null;
  #checking = false;

  constructor(db: Db, options: { now: () => number; intervalMs: number }) {
    this.#db = db;
    this.#now = options.now;
    this.#intervalMs = options.intervalMs;
  }

  /**
   * Watches a stream of the agent session `sessionId` (valid when the stream opened) until the
   * returned function is called: `onEnd` is called once if the session ends first, or if a
   * re-check fails (the database out of reach: the client reconnects after its last event).
   * Each stream passes a function of its own (a function passed twice is watched once).
   */
  watch(sessionId: string, onEnd: Listener): () => void {
    let streams = this.#streams.get(sessionId);
    if (!streams) {
      streams = new Set();
      this.#streams.set(sessionId, streams);
    }
    streams.add(onEnd);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#check(), this.#intervalMs);
      this.#timer.unref();
    }
    return () => {
      const current = this.#streams.get(sessionId);
      if (!current?.delete(onEnd)) return;
      if (current.size === 0) this.#forget(sessionId);
    };
  }

  /** One re-check of every watched session. A round still running when the next is due skips it. */
  async #check(): Promise<void> {
    if (this.#checking || this.#streams.size === 0) return;
    this.#checking = true;
    try {
      const ids = [...this.#streams.keys()];
      let states: Awaited<ReturnType<typeof agentSessionStates>>;
      try {
        states = await agentSessionStates(this.#db, ids);
      } catch (error) {
        for (const id of ids) this.#end(id, { failure: error });
        return;
      }
      const now = this.#now();
      const byId = new Map(states.map((state) => [state.id, state]));
      for (const id of ids) {
        const verdict = judgeSessionState(byId.get(id), now);
        if (verdict !== "valid") this.#end(id, { refusal: NO_SESSION_MESSAGES[verdict] });
      }
    } finally {
      this.#checking = false;
    }
  }

  /** Ends every stream of `sessionId` open now (including any opened during the look-up). */
  #end(sessionId: string, end: StreamSessionEnd): void {
    const streams = this.#streams.get(sessionId);
    if (!streams) return;
    this.#forget(sessionId);
    for (const listener of streams) {
      // One stream's failure to end must not keep the others of the session open.
      try {
        listener(end);
      } catch {}
    }
  }

  #forget(sessionId: string): void {
    this.#streams.delete(sessionId);
    if (this.#streams.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
