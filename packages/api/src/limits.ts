// Quotas of agent sessions and context groups: how much one browser (an agent session) and one
// tenant (a context group, shared by all the sessions minted for it) may hold at once and start
// per minute. A call over a limit is refused before it writes anything, with 429, Retry-After
// and a message naming the limit. The per-minute rates count where the sign-in limits do
// (createRateLimiter: in the database on PostgreSQL, shared by every instance; in memory on
// SQLite). Replies in progress per group are read from the database; replies in progress per
// session and open streams are held by this instance and counted here (docs/security.md says
// why that is enough).
import { createRateLimiter, type RateLimiter, takeEach } from "@agent-access/auth";
import { type Db, runningOf } from "@agent-access/db";
import { tooManyRequests } from "./rate-limited.ts";

/**
 * The most calls one tRPC batch may hold. The web client never batches more than a page's
 * first queries; a longer batch is refused whole with 400 before any of it runs.
 */
export const MAX_BATCH_SIZE = 10;

export interface AgentLimitsConfig {
  /** Runs with a model call in progress, per agent session. Default 3. */
  runsPerSession: number;
  /** Runs with a model call in progress, per context group. Default 10. */
  runsPerGroup: number;
  /** Open event streams, per agent session. Default 10. */
  streamsPerSession: number;
  /** Open event streams, per context group. Default 50. */
  streamsPerGroup: number;
  /** Contexts created per minute, per agent session. Default 20. */
  contextsPerMinutePerSession: number;
  /** Contexts created per minute, per context group. Default 60. */
  contextsPerMinutePerGroup: number;
  /** Messages sent per minute (a first message included), per agent session. Default 20. */
  messagesPerMinutePerSession: number;
  /** Messages sent per minute, per context group. Default 60. */
  messagesPerMinutePerGroup: number;
  /** Ratings of replies given, changed or taken back per minute, per agent session. Default 30. */
  feedbackPerMinutePerSession: number;
  /** Ratings of replies per minute, per context group. Default 120. */
  feedbackPerMinutePerGroup: number;
}

export const DEFAULT_AGENT_LIMITS: Readonly<AgentLimitsConfig> = {
  runsPerSession: 3,
  runsPerGroup: 10,
  streamsPerSession: 10,
  streamsPerGroup: 50,
  contextsPerMinutePerSession: 20,
  contextsPerMinutePerGroup: 60,
  messagesPerMinutePerSession: 20,
  messagesPerMinutePerGroup: 60,
  feedbackPerMinutePerSession: 30,
  feedbackPerMinutePerGroup: 120,
};

/** When a client refused for holding too much may try again: it cannot know when a slot frees. */
const BUSY_RETRY_MS = 5_000;

/** A call refused by a limit; the API turns it into 429 with Retry-After. */
export class LimitExceeded extends Error {
  override name = "LimitExceeded";
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** Whose quota a call spends: the agent session and its context group. */
export interface LimitSubject {
  sessionId: string;
  contextGroup: string;
}

/** What a call is about to do. */
export interface LimitedCall {
  createsContext?: boolean;
  sendsMessage?: boolean;
  startsRun?: boolean;
  /** Rates a reply (each rating is a stored row change and an event in the log). */
  ratesMessage?: boolean;
}

/** A call admitted by `admit`: say which context's run it started (if any), then end it. */
export interface Admission {
  /** The run of this context counts from now on, until it is no longer running. */
  started(contextId: string): void;
  /** The call is over (done or failed): its reservation is given back. */
  end(): void;
}

function perMinute(db: Db, name: string, perMinute: number): RateLimiter {
  return createRateLimiter(db, name, {
    capacity: perMinute,
    refillIntervalMs: 60_000 / perMinute,
  });
}

/** A per-minute rate a call spends: its limiter, key, figure and what it counts. */
type Rate = [limiter: RateLimiter, key: string, limit: number, what: string];

function add(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

export class AgentLimits {
  readonly config: Readonly<AgentLimitsConfig>;
  readonly #db: Db;
  readonly #contexts: { session: RateLimiter; group: RateLimiter };
  readonly #messages: { session: RateLimiter; group: RateLimiter };
  readonly #feedback: { session: RateLimiter; group: RateLimiter };
  /** Runs admitted whose call has not returned yet, by session and by group. */
  readonly #pendingRuns = new Map<string, number>();
  /** Contexts whose run a session started; pruned of the finished ones on each check. */
  readonly #sessionRuns = new Map<string, Set<string>>();
  readonly #streams = new Map<string, number>();
  /** Admissions of runs that ended while an admit of the same key read the database. */
  readonly #endedRuns = new Map<string, number>();
  /** Admits reading the database, per key. */
  readonly #reading = new Map<string, number>();

  constructor(db: Db, config: Partial<AgentLimitsConfig> = {}) {
    this.#db = db;
    // An unset (undefined) limit keeps its default.
    const given = Object.entries(config).filter(([, value]) => value !== undefined);
    this.config = { ...DEFAULT_AGENT_LIMITS, ...Object.fromEntries(given) };
    const c = this.config;
    this.#contexts = {
      session: perMinute(db, "contexts-session", c.contextsPerMinutePerSession),
      group: perMinute(db, "contexts-group", c.contextsPerMinutePerGroup),
    };
    this.#messages = {
      session: perMinute(db, "messages-session", c.messagesPerMinutePerSession),
      group: perMinute(db, "messages-group", c.messagesPerMinutePerGroup),
    };
    this.#feedback = {
      session: perMinute(db, "feedback-session", c.feedbackPerMinutePerSession),
      group: perMinute(db, "feedback-group", c.feedbackPerMinutePerGroup),
    };
  }

  /**
   * Checks every limit `call` touches and counts it against all of them, or against none: each
   * per-minute rate is taken (check and spend in one step, so concurrent calls on any instance
   * are counted one by one), and if any limit refuses, the rates taken are given back. At the
   * same time the running runs are read from the database; then the run limits are checked and
   * counted in one synchronous step, so the calls of a batch cannot all pass one check before
   * any counts. A run admitted elsewhere that ended its admission (its run now running) after
   * that read is counted too (`#endedRuns`), so the read's age never lets a run through
   * uncounted.
   * Throws LimitExceeded naming the first limit that refuses.
   */
  async admit(subject: LimitSubject, call: LimitedCall, now: number): Promise<Admission> {
    const session = `session:${subject.sessionId}`;
    const group = `group:${subject.contextGroup}`;
    const c = this.config;
    const rates: Rate[] = [];
    if (call.createsContext) {
      rates.push(
        [
          this.#contexts.session,
          session,
          c.contextsPerMinutePerSession,
          "new conversations per minute in this agent session",
        ],
        [
          this.#contexts.group,
          group,
          c.contextsPerMinutePerGroup,
          "new conversations per minute in this context group",
        ],
      );
    }
    if (call.sendsMessage) {
      rates.push(
        [
          this.#messages.session,
          session,
          c.messagesPerMinutePerSession,
          "messages per minute in this agent session",
        ],
        [
          this.#messages.group,
          group,
          c.messagesPerMinutePerGroup,
          "messages per minute in this context group",
        ],
      );
    }
    if (call.ratesMessage) {
      rates.push(
        [
          this.#feedback.session,
          session,
          c.feedbackPerMinutePerSession,
          "ratings per minute in this agent session",
        ],
        [
          this.#feedback.group,
          group,
          c.feedbackPerMinutePerGroup,
          "ratings per minute in this context group",
        ],
      );
    }
    // The running runs are read while the rates are taken: on PostgreSQL two statements on two
    // connections at once, one round trip's wait instead of two.
    const running = call.startsRun ? this.#countRunning(subject) : null;
    // Handled from the start: a read that fails while the take is out, or that a refusal or a
    // failed take leaves unawaited, is not an unhandled rejection (which would end the process).
    // Its bookkeeping ends with it either way (`#countRunning`'s finally); where it is awaited
    // below, its failure fails the call.
    running?.catch(() => {});
    // All at once: on PostgreSQL one statement for every rate of the call (takeEach), not one
    // per rate; what one refuses, the others give back, and the first refusal in the order
    // above is the one named. If the take fails, nothing stays taken.
    const verdicts = await takeEach(
      rates.map(([limiter, key]) => [limiter, key] as const),
      now,
    );
    const taken = rates.filter((_, i) => verdicts[i]!.allowed);
    const giveBack = async () => {
      await Promise.all(taken.map(([limiter, key]) => limiter.giveBack(key, now)));
    };
    for (const [i, verdict] of verdicts.entries()) {
      if (!verdict.allowed) {
        await giveBack();
        const [, , limit, what] = rates[i]!;
        throw new LimitExceeded(
          `limit reached: at most ${limit} ${what}; try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
          verdict.retryAfterMs,
        );
      }
    }
    if (!running) return { started: () => {}, end: () => {} };

    let sessionRunning: number;
    let groupRunning: number;
    try {
      [sessionRunning, groupRunning] = await running;
    } catch (error) {
      await giveBack();
      throw error;
    }
    let refusal: LimitExceeded | null = null;
    if (sessionRunning + (this.#pendingRuns.get(session) ?? 0) >= c.runsPerSession) {
      refusal = busy(c.runsPerSession, "replies in progress in this agent session");
    } else if (groupRunning + (this.#pendingRuns.get(group) ?? 0) >= c.runsPerGroup) {
      refusal = busy(c.runsPerGroup, "replies in progress in this context group");
    }
    if (refusal) {
      await giveBack();
      throw refusal;
    }
    add(this.#pendingRuns, session, 1);
    add(this.#pendingRuns, group, 1);
    let ended = false;
    return {
      started: (contextId) => {
        const runs = this.#sessionRuns.get(subject.sessionId) ?? new Set<string>();
        runs.add(contextId);
        this.#sessionRuns.set(subject.sessionId, runs);
      },
      end: () => {
        if (ended) return;
        ended = true;
        add(this.#pendingRuns, session, -1);
        add(this.#pendingRuns, group, -1);
        for (const key of [session, group]) {
          if (this.#reading.has(key)) add(this.#endedRuns, key, 1);
        }
      },
    };
  }

  /**
   * Takes an event-stream slot of the session and of its group; the returned function gives it
   * back (calling it again does nothing). Throws LimitExceeded when either is full.
   */
  openStream(subject: LimitSubject): () => void {
    const session = `session:${subject.sessionId}`;
    const group = `group:${subject.contextGroup}`;
    if ((this.#streams.get(session) ?? 0) >= this.config.streamsPerSession) {
      throw busy(this.config.streamsPerSession, "open event streams in this agent session");
    }
    if ((this.#streams.get(group) ?? 0) >= this.config.streamsPerGroup) {
      throw busy(this.config.streamsPerGroup, "open event streams in this context group");
    }
    add(this.#streams, session, 1);
    add(this.#streams, group, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      add(this.#streams, session, -1);
      add(this.#streams, group, -1);
    };
  }

  /**
   * The session's and the group's running runs, as `#running` reads them, plus the runs admitted
   * elsewhere that ended their admission while the read was out (`#endedRuns`).
   */
  async #countRunning(subject: LimitSubject): Promise<[session: number, group: number]> {
    const session = `session:${subject.sessionId}`;
    const group = `group:${subject.contextGroup}`;
    add(this.#reading, session, 1);
    add(this.#reading, group, 1);
    const endedBefore = {
      session: this.#endedRuns.get(session) ?? 0,
      group: this.#endedRuns.get(group) ?? 0,
    };
    try {
      const [sessionRunning, groupRunning] = await this.#running(subject);
      return [
        sessionRunning + (this.#endedRuns.get(session) ?? 0) - endedBefore.session,
        groupRunning + (this.#endedRuns.get(group) ?? 0) - endedBefore.group,
      ];
    } finally {
      for (const key of [session, group]) {
        add(this.#reading, key, -1);
        if (!this.#reading.has(key)) this.#endedRuns.delete(key);
      }
    }
  }

  /**
   * The runs of the session (of the contexts whose run it started, pruned of those no longer
   * running) and of its group that are running now: one statement.
   */
  async #running(subject: LimitSubject): Promise<[session: number, group: number]> {
    const runs = this.#sessionRuns.get(subject.sessionId);
    const ids = [...(runs ?? [])];
    const { inGroup, among } = await runningOf(this.#db, subject.contextGroup, ids);
    if (!runs) return [0, inGroup];
    const running = new Set(among);
    // Only the ids read are judged: a run started during the read stays counted.
    for (const id of ids) if (!running.has(id)) runs.delete(id);
    if (runs.size === 0) this.#sessionRuns.delete(subject.sessionId);
    return [running.size, inGroup];
  }
}

function busy(limit: number, what: string): LimitExceeded {
  return new LimitExceeded(
    `limit reached: at most ${limit} ${what}; wait for one to end, then try again`,
    BUSY_RETRY_MS,
  );
}

/** What `withinLimits` needs of a procedure's context. */
export interface LimitedContext {
  limits: AgentLimits;
  now: () => number;
  resHeaders: Headers;
  agentSession: { id: string; contextGroup: string };
}

/**
 * Runs `call` if the session's and group's limits admit it, else throws TOO_MANY_REQUESTS with
 * Retry-After. `runContext` names the context whose run the call started, from its result.
 */
export async function withinLimits<T>(
  ctx: LimitedContext,
  limited: LimitedCall,
  call: () => Promise<T>,
  runContext: (result: T) => string | null = () => null,
): Promise<T> {
  let admission: Admission;
  try {
    admission = await ctx.limits.admit(
      { sessionId: ctx.agentSession.id, contextGroup: ctx.agentSession.contextGroup },
      limited,
      ctx.now(),
    );
  } catch (error) {
    if (error instanceof LimitExceeded) {
      throw tooManyRequests(ctx.resHeaders, error.retryAfterMs, error.message);
    }
    throw error;
  }
  try {
    const result = await call();
    const contextId = runContext(result);
    if (contextId) admission.started(contextId);
    return result;
  } finally {
    admission.end();
  }
}
