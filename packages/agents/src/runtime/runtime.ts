// The run engine's public face. Every method takes the caller's scope first and reaches a
// context only through `findContext` (the tenant rule, in SQL); anything outside the scope is
// NOT_FOUND. The API's router is meant to be a thin layer over these methods.

import {
  type ContextRow,
  type ContextStatus,
  changeContextStatus,
  changeRunStatus,
  clearMessageFeedback,
  type Db,
  deleteMessagesAfter,
  type FeedbackRating,
  findContext,
  getMessage,
  grantTool,
  insertContext,
  insertMessage,
  insertRun,
  lastMessageWithRole,
  listContexts as listContextRows,
  listMessages as listMessageRows,
  listStrandedContexts,
  messageOfRun,
  moveAttachments,
  newId,
  runsWithStatus,
  setContextTitle,
  setMessageFeedback,
  setMessageParts,
  softDeleteContext,
  unfinishedRunOf,
} from "@agent-access/db";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { AgentDefinition, AgentRegistry } from "../agent.ts";
import { databaseAttachmentStore } from "../attachments/store.ts";
import { AgentRuntimeError, contextNotFound } from "../errors.ts";
import { McpHub } from "../mcp/hub.ts";
import type {
  AgentScope,
  ContextMessage,
  ContextSummary,
  FilePart,
  MessageFeedback,
  MessagePart,
  SequencedEvent,
  ToolCallPart,
} from "../types.ts";
import { type AttachmentOptions, createAttachments, type UploadedFile } from "./attachments.ts";
import { ContextBus } from "./bus.ts";
import { type CommitHook, commit, contextUpdated, type Emit, type Engine } from "./engine.ts";
import { type FailureLog, logFailureToStderr } from "./failures.ts";
import { followEvents } from "./follow.ts";
import { toMessage, toSummary } from "./records.ts";
import { INTERRUPTED_ERROR, RunDriver } from "./run-driver.ts";
import {
  DEFAULT_TITLE,
  decodeCursor,
  encodeCursor,
  MAX_TITLE_LENGTH,
  titleFromMessage,
} from "./titles.ts";

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

export interface SendResult {
  /** The user message the run answers. */
  messageId: string;
  runId: string;
}

export type ApprovalDecision = "allow_once" | "allow_always" | "deny";

export const MAX_MESSAGE_LENGTH = 32_000;

/** The longest comment a rating may carry, in characters. */
export const MAX_FEEDBACK_COMMENT_LENGTH = 2_000;

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
  /** Stops the unfinished run, if any, and resolves once it is recorded as cancelled. */
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
   * aborts or the context is deleted. Throws NOT_FOUND at once (not on first iteration).
   */
  events(
    scope: AgentScope,
    contextId: string,
    input?: { afterSeq?: number; signal?: AbortSignal },
  ): AsyncIterable<SequencedEvent>;
  /**
   * Start-up: runs left `running` by a crash become `interrupted` and their contexts idle; runs
   * waiting for approval or input stay waiting. Call it before serving.
   */
  recover(): Promise<{ interruptedRunIds: string[] }>;
  /** Shutdown: aborts running runs (recorded as interrupted), ends event streams. */
  close(): Promise<void>;
}

function badRequest(message: string): AgentRuntimeError {
  return new AgentRuntimeError("BAD_REQUEST", message);
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
    mcp: new McpHub(options.now),
    onError: options.onError ?? ((error) => console.error(error)),
    attachments,
    logFailure: options.logFailure ?? logFailureToStderr,
    onCommit: options.onCommit,
  };
  const { db, bus, now } = engine;
  /** The runs this process drives, by context (one unfinished run per context). */
  const drivers = new Map<string, RunDriver>();
  let closed = false;

  function requireContext(scope: AgentScope, contextId: string): ContextRow {
    const row = findContext(db, scope, contextId);
    if (!row) throw contextNotFound();
    return row;
  }

  function requireAgent(scope: AgentScope, agentId: string): AgentDefinition {
    const agent = scope.agentIds.includes(agentId) ? engine.agents.get(agentId) : undefined;
    if (!agent) {
      throw new AgentRuntimeError("NOT_FOUND", `No agent "${agentId}" in this session.`);
    }
    return agent;
  }

  function requireOpen(): void {
    if (closed) {
      throw new AgentRuntimeError(
        "CONFLICT",
        "The server is shutting down; try again in a moment.",
      );
    }
  }

  function startDriver(runId: string, scope: AgentScope): void {
    const driver = RunDriver.load(engine, runId, scope.hostContext).start();
    drivers.set(driver.contextId, driver);
    void driver.done.then(() => {
      // A resumed run may already have a newer driver here; leave that one be.
      if (drivers.get(driver.contextId) === driver) drivers.delete(driver.contextId);
    });
  }

  /** Inside a commit: the run, its empty assistant message, and their events. */
  function beginRun(context: ContextRow, triggerMessageId: string, emit: Emit): string {
    const runId = newId("run");
    const messageId = newId("msg");
    const at = now();
    insertRun(db, {
      id: runId,
      contextId: context.id,
      agentId: context.agent_id,
      triggerMessageId,
      now: at,
    });
    const seq = insertMessage(db, {
      id: messageId,
      contextId: context.id,
      role: "assistant",
      parts: "[]",
      runId,
      now: at,
    });
    emit({ type: "run.started", runId, agentId: context.agent_id, triggerMessageId });
    emit({
      type: "message.created",
      message: {
        id: messageId,
        seq,
        role: "assistant",
        parts: [],
        runId,
        createdAt: at,
        outcome: null,
        feedback: null,
      },
    });
    emit(contextUpdated(engine, context.id));
    return runId;
  }

  function claimIdle(context: ContextRow): void {
    if (!changeContextStatus(db, context.id, ["idle"], "running", now())) {
      throw new AgentRuntimeError(
        "CONFLICT",
        "The agent is still busy with this conversation: wait for the reply, or stop it first.",
      );
    }
  }

  /**
   * Inside a commit: the user's message and a run to answer it. `files` binds the message's
   * attachments to its id and returns them; the text may be empty when there are files.
   */
  function beginTurn(
    context: ContextRow,
    text: string,
    emit: Emit,
    fileIds: readonly string[] = [],
  ): SendResult {
    claimIdle(context);
    const messageId = newId("msg");
    const files = fileIds.length > 0 ? attachments.claim(context.id, messageId, fileIds) : [];
    return addUserMessage(context, messageId, text, files, emit);
  }

  /**
   * Inside a commit, the context claimed: the user message (text and files) and a run to answer
   * it. The first message's first words title the conversation until the model names it.
   */
  function addUserMessage(
    context: ContextRow,
    messageId: string,
    text: string,
    files: FilePart[],
    emit: Emit,
  ): SendResult {
    if (context.auto_title && !lastMessageWithRole(db, context.id, "user")) {
      setContextTitle(db, context.id, titleFromMessage(text || files[0]!.name), true, now());
    }
    const at = now();
    const parts: MessagePart[] = [
      ...(text === "" ? [] : [{ type: "text" as const, text }]),
      ...files,
    ];
    const seq = insertMessage(db, {
      id: messageId,
      contextId: context.id,
      role: "user",
      parts: JSON.stringify(parts),
      runId: null,
      now: at,
    });
    emit({
      type: "message.created",
      message: {
        id: messageId,
        seq,
        role: "user",
        parts,
        runId: null,
        createdAt: at,
        outcome: null,
        feedback: null,
      },
    });
    return { messageId, runId: beginRun(context, messageId, emit) };
  }

  /**
   * Inside a commit: the waiting run's tool call `toolCallId`, which must be in `state`; the
   * run and the context are moved back to running.
   */
  function resumeWaiting(
    context: ContextRow,
    toolCallId: string,
    waiting: "waiting_for_approval" | "waiting_for_input",
  ): { runId: string; messageId: string; parts: MessagePart[]; index: number } {
    const run = unfinishedRunOf(db, context.id);
    if (!run) {
      throw new AgentRuntimeError(
        "CONFLICT",
        "Nothing in this conversation is waiting for an answer (it may have been answered already).",
      );
    }
    const message = messageOfRun(db, run.id);
    const parts = message ? toMessage(message).parts : [];
    const index = parts.findIndex((p) => p.type === "tool-call" && p.toolCallId === toolCallId);
    if (!message || index < 0) {
      throw badRequest(`No tool call "${toolCallId}" is part of the current reply.`);
    }
    const state = waiting === "waiting_for_approval" ? "awaiting-approval" : "awaiting-input";
    if (
      (parts[index] as ToolCallPart).state !== state ||
      !changeRunStatus(db, run.id, waiting, "running")
    ) {
      throw new AgentRuntimeError(
        "CONFLICT",
        waiting === "waiting_for_approval"
          ? "This tool call is not waiting for approval (it may have been answered already)."
          : "This question is not waiting for an answer (it may have been answered already).",
      );
    }
    changeContextStatus(db, context.id, [waiting], "running", now());
    return { runId: run.id, messageId: message.id, parts, index };
  }

  /** Stores the answer to a waiting tool call in its message, tells subscribers, gives the run. */
  function storeAnswer(
    contextId: string,
    waiting: ReturnType<typeof resumeWaiting>,
    answered: ToolCallPart,
    emit: Emit,
  ): string {
    waiting.parts[waiting.index] = answered;
    setMessageParts(db, waiting.messageId, JSON.stringify(waiting.parts));
    emit({
      type: "message.part",
      messageId: waiting.messageId,
      partIndex: waiting.index,
      part: answered,
    });
    emit(contextUpdated(engine, contextId));
    return waiting.runId;
  }

  /** Stops the context's unfinished run, whether this process drives it or it is waiting. */
  async function stopRun(contextId: string): Promise<boolean> {
    let stopped = false;
    for (let driver = drivers.get(contextId); driver; driver = drivers.get(contextId)) {
      driver.abort("cancel");
      await driver.done;
      if (drivers.get(contextId) === driver) drivers.delete(contextId);
      stopped = true;
    }
    const run = unfinishedRunOf(db, contextId);
    if (run) {
      RunDriver.load(engine, run.id).finish("cancelled");
      stopped = true;
    }
    return stopped;
  }

  return {
    async listContexts(scope, input) {
      const limit = Math.min(Math.max(Math.trunc(input.limit), 1), 100);
      const rows = listContextRows(db, scope, {
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
      requireOpen();
      const agent = requireAgent(scope, input.agentId);
      const title =
        input.title === undefined ? "" : checkedText(input.title, "The title", MAX_TITLE_LENGTH);
      const text =
        input.firstMessage === undefined
          ? ""
          : checkedText(input.firstMessage, "The message", MAX_MESSAGE_LENGTH);
      const id = newId("ctx");
      const sent = commit(
        engine,
        id,
        (emit) => {
          insertContext(db, {
            id,
            contextGroup: scope.contextGroup,
            agentId: agent.id,
            title: title || (text ? titleFromMessage(text) : DEFAULT_TITLE),
            // Until the model names it after the first reply, unless the caller named it.
            autoTitle: !title,
            now: now(),
          });
          return text ? beginTurn(requireContext(scope, id), text, emit) : null;
        },
        "created",
      );
      if (sent) startDriver(sent.runId, scope);
      return { context: toSummary(requireContext(scope, id)), sent };
    },

    async getContext(scope, contextId) {
      return toSummary(requireContext(scope, contextId));
    },

    async renameContext(scope, contextId, input) {
      const context = requireContext(scope, contextId);
      const title = checkedText(input.title, "The title", MAX_TITLE_LENGTH);
      commit(engine, context.id, (emit) => {
        setContextTitle(db, context.id, title, false, now());
        emit(contextUpdated(engine, context.id));
      });
      return toSummary(requireContext(scope, contextId));
    },

    async deleteContext(scope, contextId) {
      const context = requireContext(scope, contextId);
      await stopRun(context.id);
      commit(engine, context.id, () => softDeleteContext(db, context.id, now()), "deleted");
      bus.closeContext(context.id);
      // A crash before this line leaves the files to the sweep, which deletes them too.
      await attachments.deleteOfContext(context.id);
    },

    async listMessages(scope, contextId, input) {
      const limit = Math.min(Math.max(Math.trunc(input.limit), 1), 200);
      // One read transaction: the page and lastEventId come from the same snapshot.
      return db.transaction(() => {
        const context = requireContext(scope, contextId);
        let beforeSeq: number | undefined;
        if (input.before !== undefined) {
          const cursor = getMessage(db, context.id, input.before);
          if (!cursor) throw badRequest("Invalid cursor: reload the conversation.");
          beforeSeq = cursor.seq;
        }
        const rows = listMessageRows(db, context.id, { beforeSeq, limit: limit + 1 });
        return {
          items: rows.slice(-limit).map(toMessage),
          hasMore: rows.length > limit,
          lastEventId: context.last_seq,
        };
      })();
    },

    async send(scope, contextId, input) {
      requireOpen();
      const context = requireContext(scope, contextId);
      requireAgent(scope, context.agent_id);
      const fileIds = input.fileIds ?? [];
      const text =
        fileIds.length > 0 && input.text.trim() === ""
          ? ""
          : checkedText(input.text, "The message", MAX_MESSAGE_LENGTH);
      const sent = commit(engine, context.id, (emit) =>
        beginTurn(requireContext(scope, contextId), text, emit, fileIds),
      );
      startDriver(sent.runId, scope);
      return sent;
    },

    async uploadAttachments(scope, contextId, files) {
      requireOpen();
      const context = requireContext(scope, contextId);
      requireAgent(scope, context.agent_id);
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
      const context = requireContext(scope, contextId);
      return { cancelled: await stopRun(context.id) };
    },

    async regenerate(scope, contextId) {
      requireOpen();
      const context = requireContext(scope, contextId);
      requireAgent(scope, context.agent_id);
      const sent = commit(engine, context.id, (emit) => {
        claimIdle(context);
        const lastUser = lastMessageWithRole(db, context.id, "user");
        if (!lastUser) throw badRequest("There is no message to answer again: send one first.");
        const removed = deleteMessagesAfter(db, context.id, lastUser.seq);
        if (removed.length > 0) emit({ type: "messages.removed", messageIds: removed });
        return { messageId: lastUser.id, runId: beginRun(context, lastUser.id, emit) };
      });
      startDriver(sent.runId, scope);
      return sent;
    },

    async editMessage(scope, contextId, input) {
      requireOpen();
      const context = requireContext(scope, contextId);
      requireAgent(scope, context.agent_id);
      const sent = commit(engine, context.id, (emit) => {
        claimIdle(context);
        const lastUser = lastMessageWithRole(db, context.id, "user");
        if (!lastUser || lastUser.id !== input.messageId) {
          throw badRequest("Only the last message you sent can be edited.");
        }
        const files = toMessage(lastUser).parts.filter((part) => part.type === "file");
        const text =
          files.length > 0 && input.text.trim() === ""
            ? ""
            : checkedText(input.text, "The message", MAX_MESSAGE_LENGTH);
        const removed = deleteMessagesAfter(db, context.id, lastUser.seq - 1);
        emit({ type: "messages.removed", messageIds: removed });
        const messageId = newId("msg");
        moveAttachments(db, context.id, lastUser.id, messageId);
        return addUserMessage(requireContext(scope, contextId), messageId, text, files, emit);
      });
      startDriver(sent.runId, scope);
      return sent;
    },

    async setFeedback(scope, contextId, input) {
      const context = requireContext(scope, contextId);
      const message = getMessage(db, context.id, input.messageId);
      if (message?.role !== "assistant") {
        throw new AgentRuntimeError("NOT_FOUND", "No reply with this id in this conversation.");
      }
      const comment = input.comment?.trim() || null;
      if (comment !== null && comment.length > MAX_FEEDBACK_COMMENT_LENGTH) {
        throw badRequest(`The comment is longer than ${MAX_FEEDBACK_COMMENT_LENGTH} characters.`);
      }
      return commit(engine, context.id, (emit) => {
        let feedback: MessageFeedback | null = null;
        if (input.rating === null) {
          clearMessageFeedback(db, context.id, message.id);
        } else {
          const row = setMessageFeedback(db, {
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
      requireOpen();
      const context = requireContext(scope, contextId);
      requireAgent(scope, context.agent_id);
      const runId = commit(engine, context.id, (emit) => {
        const waiting = resumeWaiting(context, input.toolCallId, "waiting_for_approval");
        const part = waiting.parts[waiting.index] as ToolCallPart;
        if (input.decision === "allow_always") {
          grantTool(
            db,
            {
              contextGroup: context.context_group,
              agentId: context.agent_id,
              toolName: part.toolName,
            },
            now(),
          );
        }
        const answered: ToolCallPart =
          input.decision === "deny"
            ? { ...part, state: "denied", error: "The user denied this call." }
            : { ...part, state: "running" };
        return storeAnswer(context.id, waiting, answered, emit);
      });
      startDriver(runId, scope);
      return { runId };
    },

    async submitInput(scope, contextId, input) {
      requireOpen();
      const context = requireContext(scope, contextId);
      requireAgent(scope, context.agent_id);
      const value = checkedText(input.value, "The answer", MAX_MESSAGE_LENGTH);
      const runId = commit(engine, context.id, (emit) => {
        const waiting = resumeWaiting(context, input.toolCallId, "waiting_for_input");
        const { question: _question, ...part } = waiting.parts[waiting.index] as ToolCallPart;
        const answered: ToolCallPart = { ...part, state: "completed", output: { answer: value } };
        return storeAnswer(context.id, waiting, answered, emit);
      });
      startDriver(runId, scope);
      return { runId };
    },

    events(scope, contextId, input = {}) {
      const context = requireContext(scope, contextId);
      const afterSeq = input.afterSeq ?? 0;
      if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
        throw badRequest("lastEventId must be a whole number of 0 or more.");
      }
      if (afterSeq > context.last_seq) {
        throw badRequest("lastEventId is ahead of this conversation: reload its messages.");
      }
      return followEvents({ db, bus, contextId: context.id, afterSeq, signal: input.signal });
    },

    async recover() {
      await attachments.sweep();
      const interruptedRunIds: string[] = [];
      const driven = new Set([...drivers.values()].map((driver) => driver.run.id));
      for (const run of runsWithStatus(db, "running")) {
        if (driven.has(run.id)) continue;
        RunDriver.load(engine, run.id).finish("interrupted", INTERRUPTED_ERROR);
        interruptedRunIds.push(run.id);
      }
      for (const context of listStrandedContexts(db)) {
        if (drivers.has(context.id)) continue;
        commit(engine, context.id, (emit) => {
          changeContextStatus(db, context.id, [context.status], "idle", now());
          emit(contextUpdated(engine, context.id));
        });
      }
      return { interruptedRunIds };
    },

    async close() {
      closed = true;
      const running = [...drivers.values()];
      for (const driver of running) driver.abort("shutdown");
      await Promise.all(running.map((driver) => driver.done));
      await engine.mcp.close();
      bus.closeAll();
    },
  };
}
