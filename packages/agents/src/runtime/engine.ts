// What the runtime and its run drivers share, and the one way they change a context: a
// transaction that applies the change and appends its events to the log, then (only after the
// commit) publishes the events to live subscribers. The same transaction wakes the other
// instances' subscribers (live.ts).

import {
  appendContextEvents,
  type ContextState,
  claimRun,
  commitRunTexts,
  type Db,
  getContextById,
  isTransaction,
  type Listener,
  lockContext,
  type MessageRow,
  notify,
  type RunClaim,
  type RunLease,
  type RunText,
  recordRunProgress,
  setMessageParts,
  transaction,
} from "@agent-access/db";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { McpHub } from "../mcp/hub.ts";
import type { AgentRegistry } from "../registry.ts";
import type { ContextEvent, SequencedEvent } from "../types.ts";
import type { ContextBus } from "./bus.ts";
import type { FailureLog } from "./failures.ts";
import { EVENTS_CHANNEL, notifyDeleted, wakeUpAround } from "./live.ts";
import { TEXT_COMMIT_LIMITS, TextCommitGroup } from "./text-commits.ts";

export interface Engine {
  db: Db;
  bus: ContextBus;
  agents: AgentRegistry;
  model: LanguageModelV3;
  now: () => number;
  deltaFlushMs: number;
  maxSteps: number;
  maxOutputTokens: number;
  /**
   * This process's id among the server instances sharing the database (random per start): it
   * owns the runs this process drives, and tells its own notifications from other instances'.
   */
  instanceId: string;
  /**
   * How long a run stays this instance's after each renewal of its lease (on the heartbeat and
   * with each of its commits), in ms: past it, another instance may mark the run interrupted.
   */
  leaseMs: number;
  /**
   * Wake-ups from other instances (PostgreSQL LISTEN on DATABASE_DIRECT_URL); on SQLite, one
   * process, it never fires.
   */
  listener: Listener;
  /** Commits the replies' texts, several at a time (`commitText`). */
  texts: TextCommitGroup;
  /** The MCP connections of running runs. */
  mcp: McpHub;
  onError: (error: unknown) => void;
  /** Where attached files' bytes are read from for the model. */
  attachments: { load(ids: readonly string[]): Promise<Map<string, Uint8Array>> };
  logFailure: FailureLog;
  /** Writes more inside each commit's transaction (the host's webhook outbox). Default none. */
  onCommit?: CommitHook;
  /**
   * Set on a commit's engine only (the `tx` its change gets): sends a PostgreSQL notification
   * when the commit's transaction commits, as `notify` would, on the statement that appends
   * the commit's events (no round trip of its own). Nothing on SQLite.
   */
  notifyAtCommit?: (channel: string, payload: string) => void;
}

/** The lease this instance takes on the runs it drives. */
export function leaseOf(engine: Engine): RunLease {
  return { owner: engine.instanceId, leaseMs: engine.leaseMs };
}

/** What one commit changed: its events, and whether it created or deleted the context. */
export interface CommittedChange {
  contextId: string;
  events: SequencedEvent[];
  lifecycle: "created" | "deleted" | null;
}

/**
 * Called inside the commit's transaction after its events are appended: what it writes commits
 * or rolls back with the change, and if it throws, the change is not made.
 */
export type CommitHook = {
  (tx: Db, change: CommittedChange): Promise<void> | void;
  /**
   * False when the hook has nothing to do with the commits that only add text to a reply
   * (their events are a text part's message.part and message.delta): it is then not called for
   * them, and they go with the other replies' texts in batches (`commitText`, text-commits.ts).
   * Default true: the hook sees every commit.
   */
  textCommits?: boolean;
};

export type Emit = (event: ContextEvent) => void;

/**
 * A run a commit claims before its change (run-driver.ts), as `claimRun` does; if the claim
 * does not hold, the commit throws `moved()` and writes nothing.
 */
export interface CommitClaim {
  runId: string;
  claim: RunClaim;
  moved: () => Error;
}

export interface CommitOptions {
  lifecycle?: CommittedChange["lifecycle"];
  /** The run to claim first (see CommitClaim). */
  claim?: CommitClaim;
  /**
   * The change's first statement is an UPDATE of the context's row, which locks it as the
   * commit's own lock would (PostgreSQL), and the change throws (rolling back) if it matched
   * no row: the commit takes no lock of its own.
   */
  lockedByChange?: boolean;
  /** The change only adds text to a reply: a hook that declines such commits is not called. */
  textOnly?: boolean;
  /**
   * PostgreSQL: given the context's messages as the commit leaves them, read by the statement
   * that appends its events (AppendOptions.withMessages); not called on SQLite.
   */
  withMessages?: (messages: MessageRow[]) => void;
}

/**
 * Runs `change` in one transaction (SQLite: IMMEDIATE, taking the write lock at once, so a
 * concurrent writer waits instead of failing half-way; PostgreSQL: the context's row locked
 * first, so commits to one context from several instances run one after the other), appends
 * the events it emits with the context's next seqs, commits, and then publishes them. `change`
 * gets the engine of the transaction (`tx.db`): every query of the change goes through it. If
 * anything throws, nothing is written and nothing is published. On PostgreSQL the commit also
 * wakes other instances' subscribers (a NOTIFY riding on the events' INSERT; one of its own for
 * a deletion), and sends the notifications the change asked for (`notifyAtCommit`). With
 * `claim`, the run is claimed first, under the context's lock (on PostgreSQL in the statement
 * that takes the lock).
 */
export async function commit<T>(
  engine: Engine,
  contextId: string,
  change: (emit: Emit, tx: Engine) => Promise<T> | T,
  options: CommitOptions = {},
): Promise<T> {
  const { lifecycle = null, claim } = options;
  // Publishing must follow the outermost commit; inside another transaction it would not.
  if (isTransaction(engine.db)) throw new Error("commit() must not run inside another transaction");
  const events: ContextEvent[] = [];
  const { value, published } = await transaction(engine.db, async (tx) => {
    if (claim === undefined) {
      if (!options.lockedByChange) await lockContext(tx, contextId);
    } else if (!(await claimRun(tx, claim.runId, claim.claim, leaseOf(engine), contextId))) {
      throw claim.moved();
    }
    const notifications: { channel: string; payload: string }[] = [];
    const txEngine: Engine = {
      ...engine,
      db: tx,
      notifyAtCommit: (channel, payload) => notifications.push({ channel, payload }),
    };
    const value = await change((event) => events.push(event), txEngine);
    if (events.length === 0) {
      for (const { channel, payload } of notifications) await notify(tx, channel, payload);
    }
    const seqs = await appendContextEvents(tx, contextId, events, engine.now(), {
      notify: {
        channel: EVENTS_CHANNEL,
        payload: wakeUpAround(engine.instanceId, contextId),
      },
      notifyAlso: notifications,
      withMessages: options.withMessages,
    });
    if (lifecycle === "deleted") await notifyDeleted(txEngine, contextId);
    const published: SequencedEvent[] = events.map((event, i) => ({ seq: seqs[i]!, event }));
    if (!(options.textOnly && engine.onCommit?.textCommits === false)) {
      await engine.onCommit?.(tx, { contextId, events: published, lifecycle });
    }
    return { value, published };
  });
  engine.bus.publish(contextId, published);
  return value;
}

/**
 * A `context.updated` event with the context's title and status as the transaction sees them
 * (`engine` is the commit's: its `db` is the transaction), read from the context's row. A
 * change that has them in hand already (from its UPDATE's RETURNING, or a row read in the same
 * transaction after the commit's lock) uses `updatedTo` instead, with no read.
 */
export async function contextUpdated(engine: Engine, contextId: string): Promise<ContextEvent> {
  return updatedTo((await getContextById(engine.db, contextId))!);
}

/** A `context.updated` event with `state`, which the commit's own statements gave. */
export function updatedTo(state: ContextState): ContextEvent {
  return { type: "context.updated", title: state.title, status: state.status };
}

/** Text added to a run's reply: what `commitText` writes. */
export interface TextCommit {
  runId: string;
  messageId: string;
  /** The message's parts with the text in them (JSON). */
  parts: string;
  /** The text part's message.part, or message.delta. */
  events: ContextEvent[];
  /** At a model step's end: the run's usage so far (JSON) and its steps, recorded on the run. */
  progress?: RunText["progress"];
  /** The error thrown when this instance no longer holds the run (nothing is written). */
  moved: () => Error;
}

/**
 * The commit of a reply's text by the instance that drives its run (a `commit` with the
 * `owner` claim that writes the message's parts and emits `events`, and records a model step's
 * `progress` if given), then its events published.
 * Unless the commit hook takes such commits, it goes with the other replies' texts of the
 * moment (`engine.texts`, text-commits.ts): the commits of streaming replies are most of the
 * commits, and a batch of them costs about what one does (on PostgreSQL one statement, where a
 * `commit` of its own takes five round trips).
 */
export async function commitText(
  engine: Engine,
  contextId: string,
  text: TextCommit,
): Promise<void> {
  const { onCommit } = engine;
  if (onCommit !== undefined && onCommit.textCommits !== false) {
    await commit(
      engine,
      contextId,
      async (emit, tx) => {
        for (const event of text.events) emit(event);
        await setMessageParts(tx.db, text.messageId, text.parts);
        const { progress } = text;
        if (progress) await recordRunProgress(tx.db, text.runId, progress.usage, progress.steps);
      },
      { claim: { runId: text.runId, claim: "owner", moved: text.moved }, textOnly: true },
    );
    return;
  }
  const seqs = await engine.texts.submit({
    contextId,
    runId: text.runId,
    messageId: text.messageId,
    parts: text.parts,
    events: text.events,
    progress: text.progress,
    notify: wakeUpAround(engine.instanceId, contextId),
  });
  if (!seqs) throw text.moved();
  engine.bus.publish(
    contextId,
    text.events.map((event, i) => ({ seq: seqs[i]!, event })),
  );
}

/** The group that commits this engine's replies' texts together (`commitText`). */
export function textCommitGroup(engine: () => Engine): TextCommitGroup {
  return new TextCommitGroup({
    ...TEXT_COMMIT_LIMITS,
    write: (texts) => {
      const current = engine();
      return commitRunTexts(current.db, {
        lease: leaseOf(current),
        now: current.now(),
        channel: EVENTS_CHANNEL,
        texts,
      });
    },
  });
}
