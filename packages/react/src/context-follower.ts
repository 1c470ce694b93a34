// ContextFollower: one conversation, live, as a plain object with subscribe/getSnapshot (no
// React). It loads the newest page of messages, then follows the context's event stream from
// exactly that page's log position, applying each event once, in order (live-context.ts); it
// resumes after the last event applied when the stream drops, loads older pages, and keeps the
// user's own messages and calls on screen until the server's events catch up. useAgentContext
// is this object read through useSyncExternalStore, plus the actions.
import type { Unsubscribable } from "@trpc/server/observable";
import {
  type LiveContext,
  liveFromPage,
  receiveEvent,
  waitingToolCall,
  withOlderPage,
} from "./live-context.ts";
import { createRenderBatcher, RENDER_INTERVAL_MS, type RenderBatcher } from "./render-batcher.ts";
import { type AgentAccessTRPCClient, errorCode, isUnauthorized, toError } from "./trpc.ts";
import type {
  ContextEvent,
  ContextMessage,
  ContextStatus,
  MessagePart,
  RunOutcome,
  ToolCallPart,
} from "./types.ts";

type FilePart = Extract<MessagePart, { type: "file" }>;

/**
 * The event stream's state: `idle` without a context, `connecting` while the first page loads
 * and the stream opens, `open`, `reconnecting` after a drop (it resumes after the last event
 * applied), `closed` when it gave up (see `error`).
 */
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** A message as shown: the server's, or the user's own while it is on its way (`pending`). */
export type AgentMessage = ContextMessage & { pending?: true };

/** A tool call waiting for the user, with the id of the message it belongs to. */
export type WaitingToolCall = ToolCallPart & { messageId: string };

/** What the follower's session provides: SessionController is one. */
export interface FollowerSession {
  readonly client: AgentAccessTRPCClient;
  /** Bumps with every new session; a refusal of an older epoch's request is stale. */
  readonly epoch: number;
  /** A request of `sentEpoch` was refused for want of a session: true when worth retrying. */
  recover(sentEpoch: number): Promise<boolean>;
}

export interface ContextFollowerOptions {
  /** Messages per page, 1 to 100. Default 50. */
  pageSize?: number;
  /** Called for every event applied (after the state changed), e.g. to update cached lists. */
  onEvent?: (contextId: string, event: ContextEvent) => void;
  /** At most one snapshot per this many ms while events stream in. Default 50. */
  renderIntervalMs?: number;
  /** Pauses before subscribing again after the stream ended or the network failed. */
  retryDelaysMs?: readonly number[];
}

/** What the follower shows; replaced whole on every (batched) change. */
export interface ContextFollowerSnapshot {
  /** The conversation followed; "" for none. */
  contextId: string;
  /** History and live events merged, oldest first, then the user's messages on their way. */
  messages: AgentMessage[];
  /** The conversation as the server's log says, before any call of the user's caught up. */
  status: ContextStatus;
  /** A run is unfinished, or a call that starts one is under way. */
  isExecuting: boolean;
  /** `status`, but `running` while a call that starts a run has not shown in it yet. */
  executionStatus: ContextStatus;
  /** A call that starts a run is under way, or its run has not shown in the log yet. */
  starting: boolean;
  connectionState: ConnectionState;
  /** The tool call waiting for approval, unless it was just answered from here. */
  pendingApproval: WaitingToolCall | null;
  /** The question waiting for an answer, unless it was just answered from here. */
  pendingInput: WaitingToolCall | null;
  /** Older messages exist than those loaded. */
  hasMoreMessages: boolean;
  /** The first page is loading. */
  loading: boolean;
  /** The last failure: loading, the stream, a call the server refused, or a failed run. */
  error: Error | null;
  /** The seq of the last event applied; null before the first page. */
  lastEventId: number | null;
  /** The conversation's agent, once its first page loaded; null for none. */
  agentId: string | null;
  /**
   * How the newest reply's run ended (a failure with the reason its user may see, a stop, an
   * interruption); null while a run is unfinished and before the first reply.
   */
  lastOutcome: RunOutcome | null;
  /** The user message `editMessage` may edit: the last one, while no run is unfinished. */
  editableMessageId: string | null;
}

/** The user's message between sending and the server's copy arriving. */
interface PendingMessage {
  localId: string;
  /** "" until the conversation a first message creates exists. */
  contextId: string;
  text: string;
  /** Files it carries, shown as file parts with an empty id until the server's copy arrives. */
  files: FilePart[];
  /** The server's id for it, once known. */
  serverId: string | null;
  createdAt: number;
}

/** What the follower holds; the snapshot is derived from it at each (batched) publish. */
interface State {
  live: LiveContext | null;
  pending: PendingMessage[];
  /** Calls under way that will start or touch a run (the status has not caught up yet). */
  sending: number;
  /** A run the server started for us whose first event has not arrived yet. */
  awaitingRunId: string | null;
  /** Tool calls answered from here, hidden from pendingApproval/pendingInput meanwhile. */
  answered: ReadonlySet<string>;
  connectionState: ConnectionState;
  error: Error | null;
}

/** Pauses before opening a stream again after the server ended it or the network failed. */
export const RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 5_000, 10_000];

let localIds = 0;

const hasRun = (live: LiveContext | null, runId: string) =>
  live?.messages.some((message) => message.runId === runId) ?? false;

const textOf = (message: ContextMessage) =>
  message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");

/**
 * One conversation of an agent session, live. `start(contextId)` follows a conversation (or,
 * for the one already held, resumes after its last event applied); `stop()` closes the stream.
 * The bookkeeping methods (`addPending`, `track`, `hide`...) are what actions call so that the
 * user's own doing shows at once.
 */
export class ContextFollower {
  readonly #session: FollowerSession;
  readonly #onEvent: ContextFollowerOptions["onEvent"];
  readonly #retryDelaysMs: readonly number[];
  #pageSize: number;
  #state: State = {
    live: null,
    pending: [],
    sending: 0,
    awaitingRunId: null,
    answered: new Set(),
    connectionState: "idle",
    error: null,
  };
  #contextId = "";
  #snapshot: ContextFollowerSnapshot;
  #listeners = new Set<() => void>();
  readonly #batcher: RenderBatcher;
  /** Ends the run of `start` under way: its subscription, retry timer and page load. */
  #stopRun: (() => void) | null = null;
  #loadingOlder = false;

  constructor(session: FollowerSession, options: ContextFollowerOptions = {}) {
    this.#session = session;
    this.#onEvent = options.onEvent;
    this.#pageSize = options.pageSize ?? 50;
    this.#retryDelaysMs = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.#snapshot = this.#derive(null);
    this.#batcher = createRenderBatcher(
      () => this.#publish(),
      options.renderIntervalMs ?? RENDER_INTERVAL_MS,
    );
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): ContextFollowerSnapshot => this.#snapshot;

  /** The conversation followed ("" for none): the one actions act on. */
  get contextId(): string {
    return this.#contextId;
  }

  /**
   * Follows `contextId` ("" for none). The conversation already held is resumed after its last
   * event applied (after a re-issued session, or a `stop`); another is loaded afresh, keeping
   * the messages sent to it from here. Call `stop` before starting again.
   */
  start(contextId: string, pageSize: number = this.#pageSize): void {
    this.#stopRun?.();
    this.#contextId = contextId;
    this.#pageSize = pageSize;
    if (!contextId) {
      this.#change((current) => ({ ...this.#freshFor("", current), connectionState: "idle" }));
      return;
    }
    let stopped = false;
    let subscription: Unsubscribable | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let generations = 0;
    this.#stopRun = () => {
      stopped = true;
      clearTimeout(retryTimer);
      subscription?.unsubscribe();
      this.#stopRun = null;
    };

    const giveUp = (cause: unknown) => {
      if (stopped) return;
      this.#change(() => ({ connectionState: "closed", error: toError(cause) }));
    };
    const retryLater = () => {
      this.#change(() => ({ connectionState: "reconnecting" }));
      const delays = this.#retryDelaysMs;
      const delay = delays[Math.min(failures, delays.length - 1)];
      failures += 1;
      retryTimer = setTimeout(() => {
        subscription?.unsubscribe();
        follow();
      }, delay);
    };
    const restart = () => {
      // An event is missing: the server fills gaps itself, so this is not expected; never
      // guess, load afresh.
      this.#change(() => ({ live: null }));
      this.stop();
      this.start(contextId, pageSize);
    };

    const follow = () => {
      const from = this.#state.live;
      if (stopped || !from) return;
      const sentEpoch = this.#session.epoch;
      let opened = false;
      // Only the newest subscription of this run may act; an older one is done or dropped.
      const generation = ++generations;
      const current = () => !stopped && generation === generations;
      // tRPC's SSE link also puts the last event id it saw into the input when its
      // EventSource reconnects by itself, so a drop mid-stream resumes without a duplicate.
      subscription = this.#session.client.context.events.subscribe(
        { contextId, lastEventId: String(from.lastEventId) },
        {
          onStarted: () => {
            if (!current()) return;
            opened = true;
            failures = 0;
            this.#change(() => ({ connectionState: "open" }));
          },
          onConnectionStateChange: (state) => {
            if (current() && state.state === "connecting" && opened) {
              this.#change(() => ({ connectionState: "reconnecting" }));
            }
          },
          onData: ({ id, data }) => {
            if (current() && this.#receive(contextId, Number(id), data) === "gap") restart();
          },
          onError: (cause) => {
            if (!current()) return;
            if (isUnauthorized(cause)) {
              // The session expired or was replaced. A re-issued one changes the epoch, and the
              // owner starts again, resuming from the last event applied.
              this.#change(() => ({ connectionState: "reconnecting" }));
              void this.#session.recover(sentEpoch).then((recovered) => {
                if (!recovered) giveUp(cause);
              });
            } else if (errorCode(cause) === null) {
              retryLater(); // the network, not the server's answer: try again
            } else {
              giveUp(cause);
            }
          },
          onComplete: () => {
            // The server ended the stream: the context was deleted, or the server is going
            // down. Try again: a restarted server picks up, a deleted context says NOT_FOUND.
            if (current()) retryLater();
          },
        },
      );
    };

    if (this.#state.live?.contextId === contextId) {
      follow();
      return;
    }
    this.#change((current) => ({
      ...this.#freshFor(contextId, current),
      connectionState: "connecting",
      error: null,
    }));
    void (async () => {
      const client = this.#session.client;
      // The page first, the summary second: the summary is then at least as new as the page,
      // and the events after the page bring every status change since (see liveFromPage).
      const page = await client.context.messages.query({ contextId, limit: pageSize });
      const summary = await client.context.get.query({ contextId });
      if (stopped) return;
      this.#change((current) => {
        const live = liveFromPage(contextId, page, summary);
        const awaited = current.awaitingRunId;
        return {
          live,
          pending: current.pending.filter(
            (pending) => !live.messages.some((message) => message.id === pending.serverId),
          ),
          awaitingRunId: awaited && !hasRun(live, awaited) ? awaited : null,
        };
      });
      follow();
    })().catch(giveUp);
  }

  /** Closes the stream and cancels what `start` has under way; the messages stay. */
  stop(): void {
    this.#stopRun?.();
  }

  /** Stops, and drops a render that was waiting for its turn (the owner is gone). */
  dispose(): void {
    this.stop();
    this.#batcher.cancel();
  }

  /** Loads the page before the oldest message held. */
  async loadOlder(): Promise<void> {
    const live = this.#state.live;
    const oldest = live?.messages[0];
    if (!live?.hasMore || !oldest || this.#loadingOlder) return;
    this.#loadingOlder = true;
    try {
      const page = await this.#session.client.context.messages.query({
        contextId: live.contextId,
        before: oldest.id,
        limit: this.#pageSize,
      });
      this.#change((current) =>
        current.live?.contextId === live.contextId
          ? { live: withOlderPage(current.live, page) }
          : {},
      );
    } catch (cause) {
      this.fail(cause);
    } finally {
      this.#loadingOlder = false;
    }
  }

  /** Shows the user's message at once, as pending in `contextId`; returns its local id. */
  addPending(contextId: string, text: string, files: FilePart[] = []): string {
    const localId = `local_${++localIds}`;
    this.#change((current) => ({
      pending: [
        ...current.pending,
        { localId, contextId, text, files, serverId: null, createdAt: Date.now() },
      ],
    }));
    return localId;
  }

  /** The server took the pending message: its conversation and id, to recognise its copy. */
  settlePending(localId: string, contextId: string, messageId: string): void {
    this.#change((current) => ({
      pending: current.pending.map((pending) =>
        pending.localId === localId ? { ...pending, contextId, serverId: messageId } : pending,
      ),
    }));
  }

  /** The server refused the pending message: it goes. */
  dropPending(localId: string): void {
    this.#change((current) => ({
      pending: current.pending.filter((pending) => pending.localId !== localId),
    }));
  }

  /**
   * Runs a call that starts or resumes a run: executing at once, `undo` on failure (then the
   * error lands in the snapshot). Resolves to the call's answer, or null if it failed.
   */
  async track<T extends { runId: string }>(
    call: () => Promise<T>,
    handlers: { done?: (result: T) => void; undo?: () => void } = {},
  ): Promise<T | null> {
    const forContextId = this.#contextId;
    this.#change((current) => ({ error: null, sending: current.sending + 1 }));
    try {
      const result = await call();
      handlers.done?.(result);
      this.#change((current) => ({
        sending: current.sending - 1,
        // The run's first events may have arrived before this answer did.
        awaitingRunId:
          this.#contextId === forContextId && !hasRun(current.live, result.runId)
            ? result.runId
            : current.awaitingRunId,
      }));
      return result;
    } catch (cause) {
      handlers.undo?.();
      this.#change((current) => ({ sending: current.sending - 1, error: toError(cause) }));
      return null;
    }
  }

  /** The run was stopped: nothing to wait for. */
  runStopped(): void {
    this.#change(() => ({ awaitingRunId: null }));
  }

  /** Hides a waiting tool call answered from here (a second click cannot answer twice). */
  hide(toolCallId: string): void {
    this.#change((current) => ({ answered: new Set([...current.answered, toolCallId]) }));
  }

  /** Shows a hidden tool call again (the server refused the answer). */
  unhide(toolCallId: string): void {
    this.#change((current) => {
      const answered = new Set(current.answered);
      answered.delete(toolCallId);
      return { answered };
    });
  }

  /** Puts a failure (or null) into `error`. */
  fail(cause: unknown): void {
    this.#change(() => ({ error: cause === null ? null : toError(cause) }));
  }

  /** One event from the stream, with its seq. */
  #receive(contextId: string, seq: number, event: ContextEvent): "applied" | "skipped" | "gap" {
    const before = this.#state;
    if (!before.live || before.live.contextId !== contextId) return "skipped";
    const { state: live, outcome } = receiveEvent(before.live, seq, event);
    if (outcome === "gap") return "gap";
    if (outcome === "duplicate") return "skipped";
    const change: Partial<State> = { live };
    if (event.type === "message.created" && event.message.role === "user") {
      // The server's copy of a message sent from here: it replaces the pending one.
      const text = textOf(event.message);
      const mine = before.pending.find(
        (pending) =>
          pending.serverId === event.message.id ||
          (pending.serverId === null && pending.contextId === contextId && pending.text === text),
      );
      if (mine) change.pending = before.pending.filter((pending) => pending !== mine);
    }
    if (event.type === "message.created" && event.message.runId === before.awaitingRunId) {
      change.awaitingRunId = null;
    }
    this.#change(() => change, "batched");
    this.#onEvent?.(contextId, event);
    return "applied";
  }

  /** The state for another conversation: what was sent to it from here survives the switch. */
  #freshFor(contextId: string, current: State): Partial<State> {
    return {
      live: null,
      pending: current.pending.filter((pending) => pending.contextId === contextId),
      answered: new Set(),
    };
  }

  #change(change: (current: State) => Partial<State>, at: "now" | "batched" = "now"): void {
    this.#state = { ...this.#state, ...change(this.#state) };
    if (at === "now") this.#batcher.flush();
    else this.#batcher.schedule();
  }

  #publish(): void {
    this.#snapshot = this.#derive(this.#snapshot);
    for (const listener of this.#listeners) listener();
  }

  /** The snapshot of the state now, reusing `previous`'s parts that did not change. */
  #derive(previous: ContextFollowerSnapshot | null): ContextFollowerSnapshot {
    const state = this.#state;
    const contextId = this.#contextId;
    const live = state.live?.contextId === contextId ? state.live : null;
    const shown = state.pending
      .filter((pending) => pending.contextId === contextId)
      .map(
        (pending): AgentMessage => ({
          id: pending.localId,
          seq: Number.MAX_SAFE_INTEGER,
          role: "user",
          parts: [
            ...(pending.text === "" ? [] : [{ type: "text" as const, text: pending.text }]),
            ...pending.files,
          ],
          runId: null,
          createdAt: pending.createdAt,
          outcome: null,
          feedback: null,
          pending: true,
        }),
      );
    const held = live?.messages ?? [];
    const messages =
      shown.length > 0
        ? [...held, ...shown]
        : previous && previous.messages === held
          ? previous.messages
          : held;
    const waiting = (kind: "awaiting-approval" | "awaiting-input") => {
      const call = live ? waitingToolCall(live.messages, kind) : null;
      return call && !state.answered.has(call.toolCallId) ? call : null;
    };
    const same = (a: WaitingToolCall | null, b: WaitingToolCall | null | undefined) =>
      a === null || b === undefined || b === null
        ? a === b
        : a.toolCallId === b.toolCallId && a.messageId === b.messageId && a.state === b.state;
    const approval = waiting("awaiting-approval");
    const input = waiting("awaiting-input");
    const status = live?.status ?? "idle";
    const starting = state.sending > 0 || state.awaitingRunId !== null;
    const isExecuting = starting || status !== "idle";
    const newestReply = held.findLast((message) => message.role === "assistant");
    const lastUser = held.findLast((message) => message.role === "user");
    return {
      contextId,
      messages,
      status,
      isExecuting,
      executionStatus: starting && status === "idle" ? "running" : status,
      starting,
      connectionState: state.connectionState,
      pendingApproval: same(approval, previous?.pendingApproval)
        ? (previous?.pendingApproval ?? null)
        : approval,
      pendingInput: same(input, previous?.pendingInput) ? (previous?.pendingInput ?? null) : input,
      hasMoreMessages: live?.hasMore ?? false,
      loading: Boolean(contextId) && state.live === null && state.connectionState === "connecting",
      error: state.error,
      lastEventId: live?.lastEventId ?? null,
      agentId: live?.agentId ?? null,
      lastOutcome: isExecuting ? null : (newestReply?.outcome ?? null),
      editableMessageId: !isExecuting && shown.length === 0 ? (lastUser?.id ?? null) : null,
    };
  }
}
