// The run engine's public face. Every method takes the caller's scope first and reaches a
// context only through the guard (guard.ts: `findContext`, the tenant rule in SQL); anything
// outside the scope is NOT_FOUND. The API's router is meant to be a thin layer over these
// methods; what a turn writes is in turns.ts, the runs this process drives in drivers.ts.
import {
  type ContextStatus,
  changeContextStatus,
  claimIdleContext,
  clearMessageFeedback,
  createListener,
  type Db,
  type FeedbackRating,
  getMessage,
  insertContext,
  listContexts as listContextRows,
  listStrandedContexts,
  type MessageRow,
  messagePage,
  newId,
  setContextTitle,
  setMessageFeedback,
  softDeleteContext,
} from "@agent-access/db";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { databaseAttachmentStore } from "../attachments/store.ts";
import { AgentRuntimeError, contextNotFound } from "../errors.ts";
import { McpHub } from "../mcp/hub.ts";
import type { AgentRegistry } from "../registry.ts";
import type {
  AgentScope,
  ContextMessage,
  ContextSummary,
  FilePart,
  MessageFeedback,
  SequencedEvent,
} from "../types.ts";
import { type AttachmentOptions, createAttachments, type UploadedFile } from "./attachments.ts";
import { ContextBus } from "./bus.ts";
import { RunDrivers } from "./drivers.ts";
import { type CommitHook, commit, contextUpdated, type Engine, textCommitGroup } from "./engine.ts";
import { type FailureLog, logFailureToStderr } from "./failures.ts";
import { followEvents } from "./follow.ts";
import { createGuard } from "./guard.ts";
import { InstanceWakeUps } from "./live.ts";
import { toMessage, toSummary } from "./records.ts";
import {
  DEFAULT_TITLE,
  decodeCursor,
  encodeCursor,
  MAX_TITLE_LENGTH,
  titleFromMessage,
} from "./titles.ts";
import {
  type ApprovalDecision,
  answerApproval,
  answerQuestion,
  badRequest,
  beginEdit,
  beginRegeneration,
  beginTurn,
  busy,
  type SendResult,
  sendResult,
  titleForClaim,
} from "./turns.ts";

export type { ApprovalDecision, SendResult } from "./turns.ts";

export interface AgentRuntimeOptions {
  db: Db;
  agents: AgentRegistry;
  /** The model of every agent that does not name its own. */
  model: LanguageModelV3;
  /** The clock for stored times, in epoch ms. Default Date.now. */
  now?: () => number;
  /**
   * Text deltas are written (and published) at most once per this many ms; the first delta
   * after a quiet spell is written at once. Default 50.
   */
  deltaFlushMs?: number;
  /** Model steps one run may take (each round of tool calls is a step). Default 10. */
  maxSteps?: number;
  /**
   * The longest reply of one model step, in tokens, for agents that set none. Default
   * DEFAULT_MAX_OUTPUT_TOKENS (4096).
   */
  maxOutputTokens?: number;
  /**
   * Logs the detail of a run that failed with an unexpected error (a model provider's, say)
   * under the reference its user is shown instead. Default: a line on stderr.
   */
  logFailure?: FailureLog;
  /** Receives errors no caller can: a run whose own bookkeeping failed. Default console.error. */
  onError?: (error: unknown) => void;
  /** Attached files: where they are stored (default the database) and their limits. */
  attachments?: Partial<AttachmentOptions>;
  /** Writes more in the transaction of every change, e.g. a webhook outbox. Default none. */
  onCommit?: CommitHook;
  /**
   * How long a running run stays this instance's after each renewal of its lease, in ms: when
   * an instance dies, the others mark its runs interrupted once their leases lapse (within this
   * plus `runHeartbeatMs`). Default 10,000.
   */
  runLeaseMs?: number;
  /**
   * How often this instance renews the leases of the runs it drives and looks for lapsed ones,
   * in ms; well under `runLeaseMs`. Default 3,000.
   */
  runHeartbeatMs?: number;
}

export interface ListContextsInput {
  /** `nextCursor` of the previous page; none for the first. */
  cursor?: string | null;
  /** Page size, 1 to 100. */
  limit: number;
  /** Part of the title, matched literally. */
  search?: string;
  status?: ContextStatus;
  agentId?: string;
}

export const MAX_MESSAGE_LENGTH = 32_000;

/** The longest comment a rating may carry, in characters. */
export const MAX_FEEDBACK_COMMENT_LENGTH = 2_000;

/** How long a run's lease lasts from each renewal, in ms, unless `runLeaseMs` says otherwise. */
export const DEFAULT_RUN_LEASE_MS = 10_000;

/** How often leases are renewed and lapsed ones swept, unless `runHeartbeatMs` says otherwise. */
export const DEFAULT_RUN_HEARTBEAT_MS = 3_000;

/** The default longest reply of one model step, in tokens (maxOutputTokens). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export interface AgentRuntime {
  listContexts(
    scope: AgentScope,
    input: ListContextsInput,
  ): Promise<{ items: ContextSummary[]; nextCursor: string | null }>;
  /** Creates a context; with `firstMessage`, also sends it (in the same transaction). */
  createContext(
    scope: AgentScope,
    input: { agentId: string; title?: string; firstMessage?: string },
  ): Promise<{ context: ContextSummary; sent: SendResult | null }>;
  getContext(scope: AgentScope, contextId: string): Promise<ContextSummary>;
  renameContext(
    scope: AgentScope,
    contextId: string,
    input: { title: string },
  ): Promise<ContextSummary>;
  /** Soft-deletes a context; an unfinished run of it is cancelled first. */
  deleteContext(scope: AgentScope, contextId: string): Promise<void>;
  /**
   * A page of messages, oldest first, before the message `before` (or the newest). The page is
   * consistent with the log up to `lastEventId`: follow `events` after it to stay current.
   */
  listMessages(
    scope: AgentScope,
    contextId: string,
    input: { before?: string; limit: number },
  ): Promise<{ items: ContextMessage[]; hasMore: boolean; lastEventId: number }>;
  /**
   * Sends a user message and starts a run; CONFLICT while another run is unfinished. `fileIds`
   * are uploads of this context (uploadAttachments) not yet sent; the text may be empty when
   * there are files.
   */
  send(
    scope: AgentScope,
    contextId: string,
    input: { text: string; fileIds?: readonly string[] },
  ): Promise<SendResult>;
  /**
   * Stores files for the next message of the context, all or none: each must be non-empty, at
   * most the size limit, and of an allowed type as decided by its bytes; the group's quota must
   * hold them. Refusals name the file and the rule (BAD_REQUEST or PAYLOAD_TOO_LARGE).
   */
  uploadAttachments(
    scope: AgentScope,
    contextId: string,
    files: readonly UploadedFile[],
  ): Promise<FilePart[]>;
  /** A file of a context `scope` can read, with its bytes; NOT_FOUND for anything else. */
  readAttachment(scope: AgentScope, id: string): Promise<{ file: FilePart; bytes: Uint8Array }>;
  /**
   * Deletes uploads never sent within the grace period, and the files of deleted contexts.
   * `recover` runs it once; the server repeats it. Returns how many files it deleted.
   */
  sweepAttachments(): Promise<number>;
  /**
   * Removes the stored bytes of attachments whose rows were erased (a folder store keeps them
   * as files; the database store's went with the rows). Missing ones are no error.
   */
  removeAttachmentFiles(ids: readonly string[]): Promise<void>;
  /**
   * Stops the unfinished run, if any, wherever it runs, and resolves once it is recorded ended
   * (cancelled, unless it ended otherwise first). A run driven by another instance is stopped
   * by that instance, or here if that instance is gone (its lease lapsed).
   */
  cancel(scope: AgentScope, contextId: string): Promise<{ cancelled: boolean }>;
  /** Replaces the reply to the last user message with a new run. */
  regenerate(scope: AgentScope, contextId: string): Promise<SendResult>;
  /**
   * Edits the last user message and answers it again: that turn (the message and every reply
   * after it) is replaced by a new user message with `text` and the same files, and a new run.
   * The old turn is not kept (no branches). CONFLICT while a run is unfinished; BAD_REQUEST for
   * any message but the last one the user sent.
   */
  editMessage(
    scope: AgentScope,
    contextId: string,
    input: { messageId: string; text: string },
  ): Promise<SendResult>;
  /**
   * Rates an assistant message good or bad, with an optional comment, replacing an earlier
   * rating; `rating: null` takes it back. Subscribers get `message.feedback`.
   */
  setFeedback(
    scope: AgentScope,
    contextId: string,
    input: { messageId: string; rating: FeedbackRating | null; comment?: string | null },
  ): Promise<{ feedback: MessageFeedback | null }>;
  respondToApproval(
    scope: AgentScope,
    contextId: string,
    input: { toolCallId: string; decision: ApprovalDecision },
  ): Promise<{ runId: string }>;
  submitInput(
    scope: AgentScope,
    contextId: string,
    input: { toolCallId: string; value: string },
  ): Promise<{ runId: string }>;
  /**
   * The context's events after `afterSeq` (default 0: all), then live ones until `signal`
   * aborts or the context is deleted. Rejects NOT_FOUND before any event (not on first
   * iteration).
   */
  events(
    scope: AgentScope,
    contextId: string,
    input?: { afterSeq?: number; signal?: AbortSignal },
  ): Promise<AsyncIterable<SequencedEvent>>;
  /**
   * Start-up: runs left `running` by a crash become `interrupted` and their contexts idle; runs
   * waiting for approval or input stay waiting. On SQLite (one process) that is every running
   * run this process does not drive; on PostgreSQL only those whose lease lapsed, since other
   * instances drive theirs (the heartbeat's sweep catches the rest as their leases lapse). Call
   * it before serving.
   */
  recover(): Promise<{ interruptedRunIds: string[] }>;
  /**
   * Shutdown: stops the lease heartbeat, aborts running runs (recorded as interrupted, their
   * leases released), ends event streams.
   */
  close(): Promise<void>;
}

function checkedText(text: string, what: string, max: number): string {
  const trimmed = text.trim();
  if (trimmed === "") throw badRequest(`${what} is empty.`);
  if (trimmed.length > max) throw badRequest(`${what} is longer than ${max} characters.`);
  return trimmed;
}

export function createAgentRuntime(options: AgentRuntimeOptions): AgentRuntime {
  const attachments = createAttachments(
    { db: options.db, now: options.now ?? Date.now },
    {
      ...options.attachments,
      store: options.attachments?.store ?? databaseAttachmentStore(options.db),
    },
  );
  const engine: Engine = {
    db: options.db,
    bus: new ContextBus(),
    agents: options.agents,
    model: options.model,
    now: options.now ?? Date.now,
    deltaFlushMs: options.deltaFlushMs ?? 50,
    maxSteps: options.maxSteps ?? 10,
    maxOutputTokens: options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
    instanceId: newId("inst"),
    leaseMs: options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS,
    listener: createListener(options.db),
    texts: textCommitGroup(() => engine),
    mcp: new McpHub(options.now),
    onError: options.onError ?? ((error) => console.error(error)),
    attachments,
    logFailure: options.logFailure ?? logFailureToStderr,
    onCommit: options.onCommit,
  };
  const { db, bus, now } = engine;
  const drivers = new RunDrivers(engine, {
    heartbeatMs: options.runHeartbeatMs ?? DEFAULT_RUN_HEARTBEAT_MS,
  });
  const wakeUps = new InstanceWakeUps(engine);
  let closed = false;
  const guard = createGuard(engine, () => closed);

  return {
    async listContexts(scope, input) {
      const limit = Math.min(Math.max(Math.trunc(input.limit), 1), 100);
      const rows = await listContextRows(db, scope, {
        after: input.cursor ? decodeCursor(input.cursor) : undefined,
        limit: limit + 1,
        search: input.search?.trim() || undefined,
        status: input.status,
        agentId: input.agentId,
      });
      const items = rows.slice(0, limit).map(toSummary);
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          rows.length > limit && last
            ? encodeCursor({ lastActivityAt: last.lastActivityAt, id: last.id })
            : null,
      };
    },

    async createContext(scope, input) {
      guard.open();
      const agent = guard.agent(scope, input.agentId);
      const title =
        input.title === undefined ? "" : checkedText(input.title, "The title", MAX_TITLE_LENGTH);
      const text =
        input.firstMessage === undefined
          ? ""
          : checkedText(input.firstMessage, "The message", MAX_MESSAGE_LENGTH);
      const id = newId("ctx");
      let history: MessageRow[] | undefined;
      const sent = await commit(
        engine,
        id,
        async (emit, tx) => {
          await insertContext(tx.db, {
            id,
            contextGroup: scope.contextGroup,
            agentId: agent.id,
            title: title || (text ? titleFromMessage(text) : DEFAULT_TITLE),
            // Until the model names it after the first reply, unless the caller named it.
            autoTitle: !title,
            now: now(),
          });
          if (!text) return null;
          // Just inserted, idle and in the scope: the claim's own tenant check holds.
          return beginTurn(
            tx,
            (await claimIdleContext(tx.db, scope, id, now(), titleForClaim(text)))!,
            text,
            emit,
          );
        },
        { lifecycle: "created", withMessages: (rows) => (history = rows) },
      );
      if (sent) await drivers.start({ ...sent.begun, history }, scope.hostContext);
      return { context: toSummary(await guard.context(scope, id)), sent: sent && sendResult(sent) };
    },

    async getContext(scope, contextId) {
      return toSummary(await guard.context(scope, contextId));
    },

    async renameContext(scope, contextId, input) {
      const context = await guard.context(scope, contextId);
      const title = checkedText(input.title, "The title", MAX_TITLE_LENGTH);
      await commit(engine, context.id, async (emit, tx) => {
        await setContextTitle(tx.db, context.id, title, false, now());
        emit(await contextUpdated(tx, context.id));
      });
      return toSummary(await guard.context(scope, contextId));
    },

    async deleteContext(scope, contextId) {
      const context = await guard.context(scope, contextId);
      await drivers.stop(context.id);
      await commit(engine, context.id, (_emit, tx) => softDeleteContext(tx.db, context.id, now()), {
        lifecycle: "deleted",
      });
      bus.closeContext(context.id);
      // A crash before this line leaves the files to the sweep, which deletes them too.
      await attachments.deleteOfContext(context.id);
    },

    async listMessages(scope, contextId, input) {
      const limit = Math.min(Math.max(Math.trunc(input.limit), 1), 200);
      // One statement: the page and lastEventId come from the same state of the context.
      const page = await messagePage(db, contextId, {
        scope,
        before: input.before,
        limit: limit + 1,
      });
      if (page === "no context") throw contextNotFound();
      if (page === "no cursor") throw badRequest("Invalid cursor: reload the conversation.");
      return {
        items: page.rows.slice(-limit).map(toMessage),
        hasMore: page.rows.length > limit,
        lastEventId: page.lastSeq,
      };
    },

    async send(scope, contextId, input) {
      guard.open();
      const fileIds = input.fileIds ?? [];
      const checkText = () =>
        fileIds.length > 0 && input.text.trim() === ""
          ? ""
          : checkedText(input.text, "The message", MAX_MESSAGE_LENGTH);
      // The commit's first statement claims the context: idle to running, under the tenant rule
      // in the same UPDATE, which also locks the row and gives it back as the transaction sees
      // it (its auto_title may have changed since the request began). A refusal rolls back with
      // nothing written, and gives what the checks one after the other would: NOT_FOUND, then
      // BAD_REQUEST, then CONFLICT. The run is driven at once, from what the commit wrote.
      let history: MessageRow[] | undefined;
      const sent = await commit(
        engine,
        contextId,
        async (emit, tx) => {
          const context = await claimIdleContext(
            tx.db,
            scope,
            contextId,
            now(),
            titleForClaim(input.text),
          );
          if (!context) {
            guard.agent(scope, (await guard.context(scope, contextId, tx.db)).agent_id);
            checkText();
            throw busy();
          }
          guard.agent(scope, context.agent_id);
          const text = checkText();
          return beginTurn(tx, context, text, emit, async (messageId) =>
            fileIds.length > 0 ? attachments.claim(tx.db, context.id, messageId, fileIds) : [],
          );
        },
        // The first model call's history, from the commit's last statement (PostgreSQL).
        { lockedByChange: true, withMessages: (rows) => (history = rows) },
      );
      await drivers.start({ ...sent.begun, history }, scope.hostContext);
      return sendResult(sent);
    },

    async uploadAttachments(scope, contextId, files) {
      const context = await guard.turn(scope, contextId);
      return attachments.upload(context, files);
    },

    readAttachment(scope, id) {
      return attachments.read(scope, id);
    },

    sweepAttachments() {
      return attachments.sweep();
    },

    removeAttachmentFiles(ids) {
      return attachments.removeFiles(ids);
    },

    async cancel(scope, contextId) {
      const context = await guard.context(scope, contextId);
      return { cancelled: await drivers.stop(context.id) };
    },

    async regenerate(scope, contextId) {
      const context = await guard.turn(scope, contextId);
      const sent = await commit(engine, context.id, (emit, tx) =>
        beginRegeneration(tx, context, emit),
      );
      await drivers.start(sent.begun, scope.hostContext);
      return sendResult(sent);
    },

    async editMessage(scope, contextId, input) {
      const context = await guard.turn(scope, contextId);
      const sent = await commit(engine, context.id, async (emit, tx) =>
        // The row is read again inside the commit: its auto_title may have changed since.
        beginEdit(tx, await guard.context(scope, contextId, tx.db), input, emit, (text) =>
          checkedText(text, "The message", MAX_MESSAGE_LENGTH),
        ),
      );
      await drivers.start(sent.begun, scope.hostContext);
      return sendResult(sent);
    },

    async setFeedback(scope, contextId, input) {
      const context = await guard.context(scope, contextId);
      const message = await getMessage(db, context.id, input.messageId);
      if (message?.role !== "assistant") {
        throw new AgentRuntimeError("NOT_FOUND", "No reply with this id in this conversation.");
      }
      const comment = input.comment?.trim() || null;
      if (comment !== null && comment.length > MAX_FEEDBACK_COMMENT_LENGTH) {
        throw badRequest(`The comment is longer than ${MAX_FEEDBACK_COMMENT_LENGTH} characters.`);
      }
      return commit(engine, context.id, async (emit, tx) => {
        let feedback: MessageFeedback | null = null;
        if (input.rating === null) {
          await clearMessageFeedback(tx.db, context.id, message.id);
        } else {
          const row = await setMessageFeedback(tx.db, {
            messageId: message.id,
            contextId: context.id,
            contextGroup: context.context_group,
            rating: input.rating,
            comment,
            now: now(),
          });
          feedback = { rating: row.rating, comment: row.comment };
        }
        emit({ type: "message.feedback", messageId: message.id, feedback });
        return { feedback };
      });
    },

    async respondToApproval(scope, contextId, input) {
      const context = await guard.turn(scope, contextId);
      const runId = await commit(engine, context.id, (emit, tx) =>
        answerApproval(tx, context, input, emit),
      );
      await drivers.start(runId, scope.hostContext);
      return { runId };
    },

    async submitInput(scope, contextId, input) {
      const context = await guard.turn(scope, contextId);
      const value = checkedText(input.value, "The answer", MAX_MESSAGE_LENGTH);
      const runId = await commit(engine, context.id, (emit, tx) =>
        answerQuestion(tx, context, { toolCallId: input.toolCallId, value }, emit),
      );
      await drivers.start(runId, scope.hostContext);
      return { runId };
    },

    async events(scope, contextId, input = {}) {
      const context = await guard.context(scope, contextId);
      const afterSeq = input.afterSeq ?? 0;
      if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
        throw badRequest("lastEventId must be a whole number of 0 or more.");
      }
      if (afterSeq > context.last_seq) {
        throw badRequest("lastEventId is ahead of this conversation: reload its messages.");
      }
      // Events committed by other instances reach this one's streams through their wake-ups.
      wakeUps.start();
      return followEvents({ db, bus, contextId: context.id, afterSeq, signal: input.signal });
    },

    async recover() {
      await attachments.sweep();
      const interruptedRunIds = await drivers.interruptAbandoned();
      for (const context of await listStrandedContexts(db)) {
        if (drivers.drives(context.id)) continue;
        await commit(engine, context.id, async (emit, tx) => {
          await changeContextStatus(tx.db, context.id, [context.status], "idle", now());
          emit(await contextUpdated(tx, context.id));
        });
      }
      return { interruptedRunIds };
    },

    async close() {
      closed = true;
      await drivers.close();
      await engine.mcp.close();
      await engine.listener.close();
      bus.closeAll();
    },
  };
}
