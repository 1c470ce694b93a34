// useAgentContext: one conversation, live. The conversation itself (history, the event
// stream, reconnects, older pages, render batching) is a ContextFollower read through
// useSyncExternalStore; the hook adds the actions, through the tRPC client, which show at once
// and are reconciled with the server's events.
import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { AttachmentError, type FileUpload, uploadAttachment } from "./attachments.ts";
import { chooseAgent } from "./choose-agent.ts";
import { cachedContext, insertContext, patchContext, refreshLists } from "./context-cache.ts";
import {
  type AgentMessage,
  type ConnectionState,
  ContextFollower,
  type WaitingToolCall,
} from "./context-follower.ts";
import { useSessionController } from "./provider.tsx";
import { retryUnlessRefused, trpc } from "./trpc.ts";
import type {
  AgentInfo,
  ApprovalDecision,
  ContextStatus,
  FeedbackRating,
  RunOutcome,
  SendResult,
} from "./types.ts";

export type { AgentMessage, ConnectionState, WaitingToolCall } from "./context-follower.ts";

const NO_PROMPTS: string[] = [];

/** Options of useAgentContext. */
export interface UseAgentContextOptions {
  /**
   * The conversation to show. "" means none yet: nothing is fetched, and `sendMessage` first
   * creates a conversation (with `agentId`'s agent) whose first message it is, then follows it.
   */
  contextId: string;
  /**
   * The id of the agent of a conversation that `sendMessage` creates (`AgentInfo.id`). Default:
   * the session's active agent. An existing conversation always keeps its own agent.
   */
  agentId?: string;
  /**
   * The reference page's way to pick that agent: by its display name (an id works too). Used
   * only when `agentId` is not given; prefer `agentId`, as two agents may share a name.
   */
  agentName?: string;
  /** Messages per page, 1 to 100. Default 50. */
  pageSize?: number;
}

/** What sendMessage resolves to: where the message went and the run that answers it. */
export type SentMessage = SendResult & { contextId: string };

/** Options of sendMessage. */
export interface SendMessageOptions {
  /**
   * Files to attach (at most 10): each is uploaded first, with its progress and any refusal in
   * `uploads`; if one is refused, nothing is sent and `error` names it.
   */
  files?: readonly File[];
}

/** What useAgentContext returns. */
export interface AgentContextState {
  /** History and live events merged, oldest first; the reply grows as it streams. */
  messages: AgentMessage[];
  /**
   * The conversation's agent: its own for an existing one (never the picker's), the one
   * `sendMessage` would start it with for a new one (`contextId: ""`). Null while unknown, or
   * when the session may no longer use that agent (see `agentId`).
   */
  agent: AgentInfo | null;
  /** The id of the conversation's agent, also when the session's agents no longer include it. */
  agentId: string | null;
  /** Sends a message (shown at once); resolves null, with `error`, if the server refused it. */
  sendMessage: (text: string, options?: SendMessageOptions) => Promise<SentMessage | null>;
  /** The files of the message being sent (or of the last one), with progress and errors. */
  uploads: FileUpload[];
  /** A run is unfinished: working, or waiting for an approval or an answer. */
  isExecuting: boolean;
  /** The conversation's status: idle, running, waiting_for_approval or waiting_for_input. */
  executionStatus: ContextStatus;
  connectionState: ConnectionState;
  /** Stops the unfinished run; the partial reply is kept. Resolves whether one was stopped. */
  stop: () => Promise<boolean>;
  /** Replaces the last reply with a new one. */
  regenerate: () => Promise<SendResult | null>;
  /**
   * How the newest reply's run ended: `{ status, error }`, where status is completed, failed,
   * cancelled (stopped) or interrupted and `error` the reason the user may see. Null while a
   * run is unfinished and before the first reply. Each message carries its own as `outcome`.
   */
  lastOutcome: RunOutcome | null;
  /** The newest reply failed, was stopped or interrupted, and no run is unfinished. */
  canRetry: boolean;
  /**
   * Answers the last message again after a reply that failed, was stopped or interrupted: the
   * same as `regenerate`, offered only then (resolves null otherwise).
   */
  retry: () => Promise<SendResult | null>;
  /** The user message `editMessage` may edit: the last one sent, while no run is unfinished. */
  editableMessageId: string | null;
  /**
   * Edits the last message and sends it again: that turn (the message and its reply) is
   * replaced by the new text and a new reply; the old turn is not kept.
   */
  editMessage: (messageId: string, text: string) => Promise<SendResult | null>;
  /**
   * Rates a reply ("good" or "bad", with an optional comment of at most 2,000 characters);
   * null takes the rating back. Each message carries its rating as `feedback`.
   */
  setFeedback: (
    messageId: string,
    rating: FeedbackRating | null,
    comment?: string,
  ) => Promise<boolean>;
  /** The agent's starter prompts, for the empty conversation; `[]` when it has none. */
  starterPrompts: string[];
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

/**
 * One conversation of the agent session, live: its messages (history and streamed reply
 * merged), the run's status, and the actions on it. Actions never reject; a refusal lands in
 * `error`.
 */
export function useAgentContext(options: UseAgentContextOptions): AgentContextState {
  const { contextId, agentId, agentName, pageSize = 50 } = options;
  const controller = useSessionController();
  const { epoch, activeAgentId } = useSyncExternalStore(
    controller.subscribe,
    controller.getSnapshot,
  );
  const utils = trpc.useUtils();
  const queryClient = controller.queryClient;
  // The session as useAgentSession loaded it: read from the cache, never fetched from here.
  const sessionAgents = trpc.session.current.useQuery(undefined, { enabled: false }).data?.agents;

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

  const [follower] = useState(
    () =>
      new ContextFollower(controller, {
        pageSize,
        onEvent(forContextId, event) {
          if (event.type === "context.updated") {
            patchContext(queryClient, forContextId, { title: event.title, status: event.status });
          }
          // Activity moved this conversation up; the list's order comes from the server.
          if (event.type === "run.finished") void refreshLists(queryClient);
        },
      }),
  );
  const view = useSyncExternalStore(follower.subscribe, follower.getSnapshot);
  useEffect(() => () => follower.dispose(), [follower]);

  // Follows the conversation: another one is loaded afresh; the one held is resumed after its
  // last event applied, which is what a re-issued session (a new `epoch`) needs. A layout
  // effect, so that no frame shows the conversation before next to the new `contextId`.
  useLayoutEffect(() => {
    follower.start(activeId, pageSize);
    return () => follower.stop();
  }, [activeId, epoch, follower, pageSize]);

  // mutateAsync is stable across renders; the mutation objects around it are not.
  const createWithMessage = trpc.context.create.useMutation().mutateAsync;
  const send = trpc.context.send.useMutation().mutateAsync;
  const cancel = trpc.context.cancel.useMutation().mutateAsync;
  const regenerateRun = trpc.context.regenerate.useMutation().mutateAsync;
  const edit = trpc.context.editMessage.useMutation().mutateAsync;
  const rate = trpc.context.setFeedback.useMutation().mutateAsync;
  const respond = trpc.context.respondToApproval.useMutation().mutateAsync;
  const answer = trpc.context.submitInput.useMutation().mutateAsync;

  // The caller's choice of agent as of the last render, for sendMessage.
  const choice = useRef({ agentId, agentName, activeAgentId });
  useEffect(() => {
    choice.current = { agentId, agentName, activeAgentId };
  });

  // Actions act on `follower.contextId`: the conversation on screen when they start, which may
  // differ from the one on screen when they resolve.
  const [uploads, setUploads] = useState<FileUpload[]>([]);

  /** Uploads `files` into `contextId`, each on its own; resolves their ids or throws naming the refused. */
  const uploadAll = useCallback(
    async (contextId: string, files: readonly File[]): Promise<string[]> => {
      const start: FileUpload[] = files.map((file) => ({
        file,
        loaded: 0,
        total: file.size,
        status: "uploading",
        part: null,
        error: null,
      }));
      setUploads(start);
      const update = (index: number, change: Partial<FileUpload>) =>
        setUploads((current) =>
          current[index]?.file === files[index]
            ? current.map((upload, i) => (i === index ? { ...upload, ...change } : upload))
            : current,
        );
      const target = { baseUrl: controller.baseUrl, sessionId: controller.boundSessionId };
      // One after the other: one file's bytes in flight at a time, and progress that reads in order.
      const results: PromiseSettledResult<{ id: string }>[] = [];
      for (const [index, file] of files.entries()) {
        const [result] = await Promise.allSettled([
          uploadAttachment({
            target,
            contextId,
            file,
            fetch: controller.fetch,
            onProgress: (loaded, total) => update(index, { loaded, total }),
          }).then(
            (part) => {
              update(index, { status: "done", part, loaded: file.size });
              return part;
            },
            (cause: unknown) => {
              const message = cause instanceof Error ? cause.message : String(cause);

              update(index, { status: "failed", error: message });
              throw cause;
            },
          ),
        ]);
        results.push(result!);
      }
      const refused = results.flatMap((result) =>
        result.status === "rejected"
          ? [result.reason instanceof Error ? result.reason.message : String(result.reason)]
          : [],
      );
      if (refused.length > 0) throw new AttachmentError(refused.join(" "), 400);
      return results.map((result) => (result as PromiseFulfilledResult<{ id: string }>).value.id);
    },
    [controller],
  );

  const sendMessage = useCallback(
    async (text: string, options: SendMessageOptions = {}): Promise<SentMessage | null> => {
      const files = options.files ?? [];
      const forContextId = follower.contextId;
      const localId = follower.addPending(
        forContextId,
        text,
        files.map((file) => ({
          type: "file" as const,
          id: "",
          name: file.name,
          mediaType: file.type,
          size: file.size,
        })),
      );
      const undo = () => follower.dropPending(localId);
      if (files.length > 0) {
        // Files need a conversation to be uploaded into: an empty one first, if none yet.
        let createdId: string | null = null;
        const made = await follower.track(
          async () => {
            let contextId = forContextId;
            if (!contextId) {
              const agents = utils.session.current.getData()?.agents ?? [];
              const { context } = await createWithMessage({
                agentId: chooseAgent(agents, choice.current),
              });
              insertContext(queryClient, context);
              contextId = createdId = context.id;
            }
            const fileIds = await uploadAll(contextId, files);
            const sent = await send({ contextId, text, fileIds });
            return { ...sent, contextId };
          },
          {
            done: (result) => follower.settlePending(localId, result.contextId, result.messageId),
            undo,
          },
        );
        if (createdId && follower.contextId === forContextId) setCreated(createdId);
        return made;
      }
      if (forContextId) {
        const sent = await follower.track(() => send({ contextId: forContextId, text }), {
          done: (result) => follower.settlePending(localId, forContextId, result.messageId),
          undo,
        });
        return sent && { ...sent, contextId: forContextId };
      }
      const made = await follower.track(
        async () => {
          const agents = utils.session.current.getData()?.agents ?? [];
          const { context, sent } = await createWithMessage({
            agentId: chooseAgent(agents, choice.current),
            firstMessage: text,
          });
          insertContext(queryClient, context);
          // `firstMessage` was given, so the server sent it.
          return { ...sent!, contextId: context.id };
        },
        {
          done: (result) => follower.settlePending(localId, result.contextId, result.messageId),
          undo,
        },
      );
      if (made && follower.contextId === forContextId) setCreated(made.contextId);
      return made;
    },
    [createWithMessage, follower, queryClient, send, uploadAll, utils],
  );

  const stop = useCallback(async () => {
    const forContextId = follower.contextId;
    if (!forContextId) return false;
    follower.fail(null);
    try {
      const { cancelled } = await cancel({ contextId: forContextId });
      follower.runStopped();
      return cancelled;
    } catch (cause) {
      follower.fail(cause);
      return false;
    }
  }, [cancel, follower]);

  const regenerate = useCallback(async () => {
    const forContextId = follower.contextId;
    if (!forContextId) return null;
    return follower.track(() => regenerateRun({ contextId: forContextId }));
  }, [follower, regenerateRun]);

  const canRetry = Boolean(
    view.contextId === activeId &&
      view.lastOutcome &&
      view.lastOutcome.status !== "completed" &&
      !view.isExecuting,
  );

  const retry = useCallback(async () => (canRetry ? regenerate() : null), [canRetry, regenerate]);

  const editMessage = useCallback(
    async (messageId: string, text: string) => {
      const forContextId = follower.contextId;
      if (!forContextId) return null;
      return follower.track(() => edit({ contextId: forContextId, messageId, text }));
    },
    [edit, follower],
  );

  const setFeedback = useCallback(
    async (messageId: string, rating: FeedbackRating | null, comment?: string) => {
      const forContextId = follower.contextId;
      if (!forContextId) return false;
      follower.fail(null);
      try {
        await rate({ contextId: forContextId, messageId, rating, comment: comment ?? null });
        return true;
      } catch (cause) {
        follower.fail(cause);
        return false;
      }
    },
    [follower, rate],
  );

  /** Answers a waiting tool call: hidden at once, shown again if the server refuses. */
  const answerToolCall = useCallback(
    async (
      toolCallId: string | undefined,
      call: (contextId: string, id: string) => Promise<{ runId: string }>,
    ) => {
      const forContextId = follower.contextId;
      if (!forContextId || !toolCallId) return false;
      const done = await follower.track(
        () => {
          follower.hide(toolCallId);
          return call(forContextId, toolCallId);
        },
        { undo: () => follower.unhide(toolCallId) },
      );
      return done !== null;
    },
    [follower],
  );

  // Between a new contextId and the effect that follows it, the follower still holds the
  // conversation before: none of it is shown.
  const current = view.contextId === activeId;
  const pendingApproval = current ? view.pendingApproval : null;
  const pendingInput = current ? view.pendingInput : null;

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

  const loadMoreMessages = useCallback(() => follower.loadOlder(), [follower]);

  // The conversation's agent: from the context as read (the lists seed it on create), else
  // the one a first message would pick. An agent never changes for a conversation.
  const agents = sessionAgents ?? [];
  const summary = trpc.context.get.useQuery(
    { contextId: activeId },
    {
      enabled: Boolean(activeId),
      initialData: () => cachedContext(queryClient, activeId),
      staleTime: Number.POSITIVE_INFINITY,
      retry: retryUnlessRefused,
    },
  ).data;
  const agentIdOf = activeId
    ? (summary?.agentId ?? null)
    : (chooseAgent(agents, { agentId, agentName, activeAgentId }) ?? agents[0]?.id ?? null);
  const agent = agents.find((candidate) => candidate.id === agentIdOf) ?? null;

  return {
    messages: current ? view.messages : [],
    agent,
    agentId: agentIdOf,
    sendMessage,
    uploads,
    isExecuting: current ? view.isExecuting : view.starting,
    executionStatus: current ? view.executionStatus : view.starting ? "running" : "idle",
    connectionState: current ? view.connectionState : activeId ? "connecting" : "idle",
    stop,
    regenerate,
    pendingApproval,
    respondToApproval,
    pendingInput,
    submitInput,
    hasMoreMessages: current && view.hasMoreMessages,
    loadMoreMessages,
    loading: current ? view.loading : Boolean(activeId),
    error: view.error,
    lastOutcome: current ? view.lastOutcome : null,
    canRetry,
    retry,
    editableMessageId: current ? view.editableMessageId : null,
    editMessage,
    setFeedback,
    starterPrompts: agent?.starterPrompts ?? NO_PROMPTS,
  };
}
