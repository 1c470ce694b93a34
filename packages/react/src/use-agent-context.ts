// useAgentContext: one conversation, live. Loads the newest page of messages, then follows the
// context's event stream from exactly that page's log position, applying each event once, in
// order; the user's own actions show at once and are reconciled with the server's events.
import type { Unsubscribable } from "@trpc/server/observable";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { insertContext, patchContext, refreshLists } from "./context-cache.ts";
import { applyEvent, type LiveContext, liveFromPage, waitingToolCall } from "./live-context.ts";
import { useSessionController } from "./provider.tsx";
import { createRenderBatcher } from "./render-batcher.ts";
import { errorCode, isUnauthorized, toError, trpc } from "./trpc.ts";
import type {
  ApprovalDecision,
  ContextEvent,
  ContextMessage,
  ContextStatus,
  SendResult,
  ToolCallPart,
} from "./types.ts";

/**
 * The event stream's state: `idle` without a context, `connecting` while the first page loads
 * and the stream opens, `open`, `reconnecting` after a drop (it resumes after the last event
 * applied), `closed` when it gave up (see `error`).
 */
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

/** Options of useAgentContext. */
export interface UseAgentContextOptions {
  /**
   * The conversation to show. "" means none yet: nothing is fetched, and `sendMessage` first
   * creates a conversation (with `agentName`'s agent) whose first message it is, then follows it.
   */
  contextId: string;
  /**
   * The agent, by name or id, of a conversation that `sendMessage` creates. Default: the
   * session's active agent. An existing conversation always keeps its own agent.
   */
  agentName?: string;
  /** Messages per page, 1 to 100. Default 50. */
  pageSize?: number;
}

/** A message as shown: the server's, or the user's own while it is on its way (`pending`). */
export type AgentMessage = ContextMessage & { pending?: true };

/** A tool call waiting for the user, with the id of the message it belongs to. */
export type WaitingToolCall = ToolCallPart & { messageId: string };

/** What sendMessage resolves to: where the message went and the run that answers it. */
export type SentMessage = SendResult & { contextId: string };

/** What useAgentContext returns. */
export interface AgentContextState {
  /** History and live events merged, oldest first; the reply grows as it streams. */
  messages: AgentMessage[];
  /** Sends a message (shown at once); resolves null, with `error`, if the server refused it. */
  sendMessage: (text: string) => Promise<SentMessage | null>;
  /** A run is unfinished: working, or waiting for an approval or an answer. */
  isExecuting: boolean;
  /** The conversation's status: idle, running, waiting_for_approval or waiting_for_input. */
  executionStatus: ContextStatus;
  connectionState: ConnectionState;
  /** Stops the unfinished run; the partial reply is kept. Resolves whether one was stopped. */
  stop: () => Promise<boolean>;
  /** Replaces the last reply with a new one. */
  regenerate: () => Promise<SendResult | null>;
  /** The tool call waiting for approval, if any. */
  pendingApproval: WaitingToolCall | null;
  /** Answers pendingApproval (or the tool call named). */
  respondToApproval: (decision: ApprovalDecision, toolCallId?: string) => Promise<boolean>;
  /** The question waiting for an answer (`question`), if any. */
  pendingInput: WaitingToolCall | null;
  /** Answers pendingInput (or the tool call named). */
  submitInput: (value: string, toolCallId?: string) => Promise<boolean>;
  /** Older messages exist than those loaded. */
  hasMoreMessages: boolean;
  /** Loads the previous page of messages. */
  loadMoreMessages: () => Promise<void>;
  /** The first page is loading. */
  loading: boolean;
  /** The last failure: loading, the stream, an action the server refused, or a failed run. */
  error: Error | null;
}

/** The user's message between sendMessage and the server's copy arriving. */
interface PendingMessage {
  localId: string;
  /** "" until the conversation that sendMessage creates exists. */
  contextId: string;
  text: string;
  /** The server's id for it, once known. */
  serverId: string | null;
  createdAt: number;
}

/** What the hook holds between renders; React sees a copy at each (batched) render. */
interface Store {
  live: LiveContext | null;
  pending: PendingMessage[];
  /** Calls under way that will start or touch a run (the status has not caught up yet). */
  sending: number;
  /** A run the server started for us whose first event has not arrived yet. */
  awaitingRunId: string | null;
  /** Tool calls answered by this hook, hidden from pendingApproval/pendingInput meanwhile. */
  answered: ReadonlySet<string>;
}

/** The store for another conversation: what was sent to it from here survives the switch. */
const storeFor = (contextId: string, current: Store): Store => ({
  live: null,
  pending: current.pending.filter((pending) => pending.contextId === contextId),
  sending: current.sending,
  awaitingRunId: current.awaitingRunId,
  answered: new Set(),
});

/** Pauses before opening a stream again after the server ended it or the network failed. */
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 5_000, 10_000];

let localIds = 0;

const hasRun = (live: LiveContext | null, runId: string) =>
  live?.messages.some((message) => message.runId === runId) ?? false;

/**
 * One conversation of the agent session, live: its messages (history and streamed reply
 * merged), the run's status, and the actions on it. Actions never reject; a refusal lands in
 * `error`.
 */
export function useAgentContext(options: UseAgentContextOptions): AgentContextState {
  const { contextId, agentName = "", pageSize = 50 } = options;
  const controller = useSessionController();
  const { epoch, activeAgentId } = useSyncExternalStore(
    controller.subscribe,
    controller.getSnapshot,
  );
  const utils = trpc.useUtils();
  const client = controller.client;
  const queryClient = controller.queryClient;

  // A conversation that sendMessage created while `contextId` was "": followed until the
  // caller passes another contextId (typically the created one, found in useAgentContexts).
  const [created, setCreated] = useState<string | null>(null);
  const [createdFor, setCreatedFor] = useState(contextId);
  if (createdFor !== contextId) {
    // The caller moved on (to the created conversation, or to another): forget it.
    setCreatedFor(contextId);
    setCreated(null);
  }
  const activeId = contextId || created || "";
  // For actions: the conversation on screen when they resolve, which may differ from the one
  // they started in.
  const activeIdRef = useRef(activeId);
  useEffect(() => {
    activeIdRef.current = activeId;
  });

  const store = useRef<Store>({
    live: null,
    pending: [],
    sending: 0,
    awaitingRunId: null,
    answered: new Set(),
  });
  const [view, setView] = useState<Store>(store.current);
  const [batcher] = useState(() => createRenderBatcher(() => setView({ ...store.current })));
  const [connectionState, setConnectionState] = useState<ConnectionState>("idle");
  const [error, setError] = useState<Error | null>(null);
  const [streamKey, setStreamKey] = useState(0);
  useEffect(() => batcher.cancel, [batcher]);

  const update = useCallback(
    (change: (current: Store) => Partial<Store>, at: "now" | "batched" = "now") => {
      store.current = { ...store.current, ...change(store.current) };
      if (at === "now") batcher.flush();
      else batcher.schedule();
    },
    [batcher],
  );

  /** One event from the stream, with its seq. */
  const receive = useCallback(
    (forContextId: string, seq: number, event: ContextEvent) => {
      const live = store.current.live;
      if (!live || live.contextId !== forContextId) return;
      // Replayed after a reconnect, or already in the page: applied before, skip.
      if (seq <= live.lastEventId) return;
      if (seq !== live.lastEventId + 1) {
        // The server fills gaps itself, so this is not expected; never guess: load afresh.
        update(() => ({ live: null }));
        setStreamKey((key) => key + 1);
        return;
      }
      const next = { ...applyEvent(live, event), lastEventId: seq };
      const change: Partial<Store> = { live: next };
      if (event.type === "message.created" && event.message.role === "user") {
        // The server's copy of a message sent from here: it replaces the pending one.
        const text = event.message.parts.map((part) => (part.type === "text" ? part.text : ""));
        const mine = store.current.pending.find(
          (pending) =>
            pending.serverId === event.message.id ||
            (pending.serverId === null &&
              pending.contextId === forContextId &&
              pending.text === text.join("")),
        );
        if (mine) change.pending = store.current.pending.filter((pending) => pending !== mine);
      }
      if (event.type === "message.created" && event.message.runId === store.current.awaitingRunId) {
        change.awaitingRunId = null;
      }
      store.current = { ...store.current, ...change };
      batcher.schedule();

      if (event.type === "context.updated") {
        patchContext(queryClient, forContextId, { title: event.title, status: event.status });
      }
      if (event.type === "run.finished") {
        // Activity moved this conversation up; the list's order comes from the server.
        void refreshLists(queryClient);
        if (next.runError) setError(new Error(next.runError));
      }
    },
    [batcher, queryClient, update],
  );

  // Load the newest page, then follow the stream from its position. Runs again for another
  // conversation (afresh), after a re-issued session or a dropped stream (resuming after the
  // last event applied), or after a gap (afresh).
  // `epoch` and `streamKey` are triggers: a change means "follow again".
  useEffect(() => {
    if (!activeId) {
      update((current) => storeFor("", current));
      setConnectionState("idle");
      return;
    }
    let stopped = false;
    let subscription: Unsubscribable | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let generations = 0;

    const giveUp = (cause: unknown) => {
      if (stopped) return;
      setConnectionState("closed");
      setError(toError(cause));
    };
    const retryLater = () => {
      setConnectionState("reconnecting");
      const delay = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)];
      failures += 1;
      retryTimer = setTimeout(() => {
        subscription?.unsubscribe();
        follow();
      }, delay);
    };

    const follow = () => {
      const from = store.current.live;
      if (stopped || !from) return;
      const sentEpoch = controller.epoch;
      let opened = false;
      // Only the newest subscription of this effect may act; an older one is done or dropped.
      const generation = ++generations;
      const current = () => !stopped && generation === generations;
      // tRPC's SSE link also puts the last event id it saw into the input when its
      // EventSource reconnects by itself, so a drop mid-stream resumes without a duplicate.
      subscription = client.context.events.subscribe(
        { contextId: activeId, lastEventId: String(from.lastEventId) },
        {
          onStarted() {
            if (!current()) return;
            opened = true;
            failures = 0;
            setConnectionState("open");
          },
          onConnectionStateChange(state) {
            if (current() && state.state === "connecting" && opened) {
              setConnectionState("reconnecting");
            }
          },
          onData({ id, data }) {
            if (current()) receive(activeId, Number(id), data);
          },
          onError(cause) {
            if (!current()) return;
            if (isUnauthorized(cause)) {
              // The session expired or was replaced. A re-issued one changes the epoch, and
              // this effect runs again, resuming from the last event applied.
              setConnectionState("reconnecting");
              void controller.recover(sentEpoch).then((recovered) => {
                if (!recovered) giveUp(cause);
              });
            } else if (errorCode(cause) === null) {
              retryLater(); // the network, not the server's answer: try again
            } else {
              giveUp(cause);
            }
          },
          onComplete() {
            // The server ended the stream: the context was deleted, or the server is going
            // down. Try again: a restarted server picks up, a deleted context says NOT_FOUND.
            if (current()) retryLater();
          },
        },
      );
    };

    if (store.current.live?.contextId === activeId) {
      follow();
    } else {
      update((current) => storeFor(activeId, current));
      setConnectionState("connecting");
      setError(null);
      void (async () => {
        // The page first, the summary second: the summary is then at least as new as the page,
        // and the events after the page bring every status change since (see liveFromPage).
        const page = await client.context.messages.query({ contextId: activeId, limit: pageSize });
        const summary = await client.context.get.query({ contextId: activeId });
        if (stopped) return;
        update((current) => {
          const live = liveFromPage(activeId, page, summary);
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
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      subscription?.unsubscribe();
    };
  }, [activeId, client, controller, epoch, pageSize, receive, streamKey, update]);

  const agentIdFor = useCallback(
    (wanted: string) => {
      const agents = utils.session.current.getData()?.agents ?? [];
      const chosen = wanted || activeAgentId;
      return agents.find((agent) => agent.name === chosen || agent.id === chosen)?.id;
    },
    [activeAgentId, utils],
  );

  // mutateAsync is stable across renders; the mutation objects around it are not.
  const createWithMessage = trpc.context.create.useMutation().mutateAsync;
  const send = trpc.context.send.useMutation().mutateAsync;
  const cancel = trpc.context.cancel.useMutation().mutateAsync;
  const regenerateRun = trpc.context.regenerate.useMutation().mutateAsync;
  const respond = trpc.context.respondToApproval.useMutation().mutateAsync;
  const answer = trpc.context.submitInput.useMutation().mutateAsync;

  /** Runs a call that starts or resumes a run: executing at once, undone on failure. */
  const runCall = useCallback(
    async <T extends { runId: string }>(
      call: () => Promise<T>,
      onDone?: (result: T) => Partial<Store>,
      onFail?: () => Partial<Store>,
    ): Promise<T | null> => {
      const forContextId = activeIdRef.current;
      setError(null);
      update((current) => ({ sending: current.sending + 1 }));
      try {
        const result = await call();
        update((current) => ({
          sending: current.sending - 1,
          ...onDone?.(result),
          // The run's first events may have arrived before this answer did.
          awaitingRunId:
            activeIdRef.current === forContextId && !hasRun(current.live, result.runId)
              ? result.runId
              : current.awaitingRunId,
        }));
        return result;
      } catch (cause) {
        update((current) => ({ sending: current.sending - 1, ...onFail?.() }));
        setError(toError(cause));
        return null;
      }
    },
    [update],
  );

  const sendMessage = useCallback(
    async (text: string): Promise<SentMessage | null> => {
      const forContextId = activeIdRef.current;
      const localId = `local_${++localIds}`;
      update((current) => ({
        pending: [
          ...current.pending,
          { localId, contextId: forContextId, text, serverId: null, createdAt: Date.now() },
        ],
      }));
      const settle = (contextIdNow: string, messageId: string) => (current: Store) => ({
        pending: current.pending.map((pending) =>
          pending.localId === localId
            ? { ...pending, contextId: contextIdNow, serverId: messageId }
            : pending,
        ),
      });
      const drop = () => ({
        pending: store.current.pending.filter((pending) => pending.localId !== localId),
      });
      if (forContextId) {
        const sent = await runCall(
          () => send({ contextId: forContextId, text }),
          (result) => settle(forContextId, result.messageId)(store.current),
          drop,
        );
        return sent && { ...sent, contextId: forContextId };
      }
      const made = await runCall(
        async () => {
          const { context, sent } = await createWithMessage({
            agentId: agentIdFor(agentName),
            firstMessage: text,
          });
          insertContext(queryClient, context);
          // `firstMessage` was given, so the server sent it.
          return { ...sent!, contextId: context.id };
        },
        (result) => settle(result.contextId, result.messageId)(store.current),
        drop,
      );
      if (made && activeIdRef.current === forContextId) setCreated(made.contextId);
      return made;
    },
    [agentIdFor, agentName, createWithMessage, queryClient, runCall, send, update],
  );

  const stop = useCallback(async () => {
    const forContextId = activeIdRef.current;
    if (!forContextId) return false;
    setError(null);
    try {
      const { cancelled } = await cancel({ contextId: forContextId });
      update(() => ({ awaitingRunId: null }));
      return cancelled;
    } catch (cause) {
      setError(toError(cause));
      return false;
    }
  }, [cancel, update]);

  const regenerate = useCallback(async () => {
    const forContextId = activeIdRef.current;
    if (!forContextId) return null;
    return runCall(() => regenerateRun({ contextId: forContextId }));
  }, [regenerateRun, runCall]);

  const liveMessages = view.live?.messages;
  const pendingApproval = useMemo(() => {
    const waiting = liveMessages ? waitingToolCall(liveMessages, "awaiting-approval") : null;
    return waiting && !view.answered.has(waiting.toolCallId) ? waiting : null;
  }, [liveMessages, view.answered]);
  const pendingInput = useMemo(() => {
    const waiting = liveMessages ? waitingToolCall(liveMessages, "awaiting-input") : null;
    return waiting && !view.answered.has(waiting.toolCallId) ? waiting : null;
  }, [liveMessages, view.answered]);

  /** Answers a waiting tool call: hidden at once, shown again if the server refuses. */
  const answerToolCall = useCallback(
    async (
      toolCallId: string | undefined,
      call: (contextId: string, id: string) => Promise<unknown>,
    ) => {
      const forContextId = activeIdRef.current;
      if (!forContextId || !toolCallId) return false;
      const hide = (current: Store) => ({ answered: new Set([...current.answered, toolCallId]) });
      const show = () => {
        const answered = new Set(store.current.answered);
        answered.delete(toolCallId);
        return { answered };
      };
      const done = await runCall(
        async () => {
          update(hide);
          const result = await call(forContextId, toolCallId);
          return result as { runId: string };
        },
        undefined,
        show,
      );
      return done !== null;
    },
    [runCall, update],
  );

  const respondToApproval = useCallback(
    (decision: ApprovalDecision, toolCallId?: string) =>
      answerToolCall(toolCallId ?? pendingApproval?.toolCallId, (id, callId) =>
        respond({ contextId: id, toolCallId: callId, decision }),
      ),
    [answerToolCall, pendingApproval, respond],
  );

  const submitInput = useCallback(
    (value: string, toolCallId?: string) =>
      answerToolCall(toolCallId ?? pendingInput?.toolCallId, (id, callId) =>
        answer({ contextId: id, toolCallId: callId, value }),
      ),
    [answer, answerToolCall, pendingInput],
  );

  const loadingOlder = useRef(false);
  const loadMoreMessages = useCallback(async () => {
    const live = store.current.live;
    const oldest = live?.messages[0];
    if (!live?.hasMore || !oldest || loadingOlder.current) return;
    loadingOlder.current = true;
    try {
      const page = await client.context.messages.query({
        contextId: live.contextId,
        before: oldest.id,
        limit: pageSize,
      });
      update((current) => {
        if (current.live?.contextId !== live.contextId) return {};
        const held = new Set(current.live.messages.map((message) => message.id));
        return {
          live: {
            ...current.live,
            messages: [
              ...page.items.filter((item) => !held.has(item.id)),
              ...current.live.messages,
            ],
            hasMore: page.hasMore,
          },
        };
      });
    } catch (cause) {
      setError(toError(cause));
    } finally {
      loadingOlder.current = false;
    }
  }, [client, pageSize, update]);

  const messages = useMemo((): AgentMessage[] => {
    const shown = view.pending
      .filter((pending) => pending.contextId === activeId)
      .map(
        (pending): AgentMessage => ({
          id: pending.localId,
          seq: Number.MAX_SAFE_INTEGER,
          role: "user",
          parts: [{ type: "text", text: pending.text }],
          runId: null,
          createdAt: pending.createdAt,
          pending: true,
        }),
      );
    const held = view.live?.contextId === activeId ? view.live.messages : [];
    return shown.length === 0 ? held : [...held, ...shown];
  }, [activeId, view.live, view.pending]);

  const status = view.live?.contextId === activeId ? view.live.status : "idle";
  const starting = view.sending > 0 || view.awaitingRunId !== null;
  return {
    messages,
    sendMessage,
    isExecuting: starting || status !== "idle",
    executionStatus: starting && status === "idle" ? "running" : status,
    connectionState,
    stop,
    regenerate,
    pendingApproval,
    respondToApproval,
    pendingInput,
    submitInput,
    hasMoreMessages: view.live?.hasMore ?? false,
    loadMoreMessages,
    loading: Boolean(activeId) && view.live === null && connectionState === "connecting",
    error,
  };
}
