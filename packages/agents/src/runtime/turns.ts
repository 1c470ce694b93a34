// Turn logic: what happens inside the commit of a call that starts or resumes a run. Each
// function runs inside `commit` (engine.ts) and only writes and emits; starting the run driver
// after the commit is the caller's part (drivers.ts).
import {
  type ClaimedContext,
  type ContextRow,
  type ContextState,
  changeRunStatus,
  deleteMessagesAfter,
  getContextById,
  grantTool,
  insertTurnRows,
  lastMessageWithRole,
  type MessageRow,
  messageOfRun,
  moveAttachments,
  moveContext,
  type NewMessage,
  newId,
  type RunRow,
  setFirstMessageTitle,
  setMessageParts,
  unfinishedRunOf,
} from "@agent-access/db";
import { AgentRuntimeError } from "../errors.ts";
import type { FilePart, MessagePart, ToolCallPart } from "../types.ts";
import { type Emit, type Engine, leaseOf, updatedTo } from "./engine.ts";
import { toMessage } from "./records.ts";
import { titleFromMessage } from "./titles.ts";

export interface SendResult {
  /** The user message the run answers. */
  messageId: string;
  runId: string;
}

/**
 * A run as the commit that began it wrote it: enough for this instance to drive it at once,
 * without reading back what the same transaction just wrote (drivers.ts `drive`).
 */
export interface BegunRun {
  run: RunRow;
  contextGroup: string;
  /** The run's empty assistant message. */
  messageId: string;
  naming: Naming;
  /**
   * The context's messages as the commit left them (PostgreSQL: read by the commit's last
   * statement), for the run's first model call; undefined when unknown (read then).
   */
  history?: MessageRow[];
}

/**
 * What the commit that began a run knew about naming the conversation after the reply
 * (run-driver.ts `nameConversation`), so that the driver need not read it back.
 */
export interface Naming {
  /**
   * The context's auto_title as the commit saw it. False is final: nothing sets auto_title
   * back to 1, so the model will not name this conversation. True is checked again before
   * naming (the user may rename the conversation while the reply streams).
   */
  autoTitle: boolean;
  /** The first user message's parts when this run answers it; null when unknown (read then). */
  firstMessage: MessagePart[] | null;
}

/** What a commit that began a run gives its caller: the result, and the run to drive. */
export interface TurnStart extends SendResult {
  begun: BegunRun;
}

/** The public part of a TurnStart (what the API answers). */
export function sendResult(start: TurnStart): SendResult {
  return { messageId: start.messageId, runId: start.runId };
}

export type ApprovalDecision = "allow_once" | "allow_always" | "deny";

export function badRequest(message: string): AgentRuntimeError {
  return new AgentRuntimeError("BAD_REQUEST", message);
}

/**
 * The run, its empty assistant message, and their events; first the user's message that the
 * run answers, when this turn adds one (`asked`, with its parts), with its event. All of them
 * in one statement on PostgreSQL (insertTurnRows). `state` is the context's title and status
 * as this transaction left them (from the statements that changed them, under the commit's
 * lock), for its `context.updated`. Returns the run as written.
 */
async function beginRun(
  engine: Engine,
  context: ContextRow,
  triggerMessageId: string,
  emit: Emit,
  state: ContextState,
  naming: Naming,
  asked?: { message: NewMessage; parts: MessagePart[] },
): Promise<BegunRun> {
  const { db, now } = engine;
  const runId = newId("run");
  const messageId = newId("msg");
  const at = now();
  const { askedSeq, replySeq } = await insertTurnRows(db, {
    asked: asked?.message,
    run: {
      id: runId,
      contextId: context.id,
      agentId: context.agent_id,
      triggerMessageId,
      now: at,
      // The instance that commits the run drives it (drivers.ts): it holds the lease from here.
      lease: leaseOf(engine),
    },
    reply: {
      id: messageId,
      contextId: context.id,
      role: "assistant",
      parts: "[]",
      runId,
      now: at,
    },
  });
  if (asked) {
    emit({
      type: "message.created",
      message: {
        id: asked.message.id,
        seq: askedSeq!,
        role: "user",
        parts: asked.parts,
        runId: null,
        createdAt: asked.message.now,
        outcome: null,
        feedback: null,
      },
    });
  }
  emit({ type: "run.started", runId, agentId: context.agent_id, triggerMessageId });
  emit({
    type: "message.created",
    message: {
      id: messageId,
      seq: replySeq,
      role: "assistant",
      parts: [],
      runId,
      createdAt: at,
      outcome: null,
      feedback: null,
    },
  });
  emit(updatedTo(state));
  const run: RunRow = {
    id: runId,
    context_id: context.id,
    agent_id: context.agent_id,
    status: "running",
    trigger_message_id: triggerMessageId,
    started_at: at,
    ended_at: null,
    error: null,
    usage: null,
    steps: 0,
    owner: engine.instanceId,
    // The database's clock set it; the driver renews it with each commit and never reads it.
    lease_until: null,
    cancel_requested_at: null,
  };
  return { run, contextGroup: context.context_group, messageId, naming };
}

function started(messageId: string, begun: BegunRun): TurnStart {
  return { messageId, runId: begun.run.id, begun };
}

/**
 * Moves the context from idle to running: of two racing calls, exactly one gets it. Returns the
 * context's title and status as the move left them.
 */
async function claimIdle(engine: Engine, context: ContextRow): Promise<ContextState> {
  const state = await moveContext(engine.db, context.id, ["idle"], "running", engine.now());
  if (!state) throw busy();
  return state;
}

/** The refusal of a turn on a context that is not idle. */
export function busy(): AgentRuntimeError {
  return new AgentRuntimeError(
    "CONFLICT",
    "The agent is still busy with this conversation: wait for the reply, or stop it first.",
  );
}

/**
 * The user's message and a run to answer it, on a context this transaction moved from idle to
 * running (`claimed`: its row as the move left it, claimIdleContext). `claimFiles` binds the
 * message's attachments (uploaded earlier) to its id and returns them; the text may be empty
 * when there are files. The first message's first words (or its first file's name) title the
 * conversation until the model names it (auto_title): the claim sets that title when given the
 * text's (`titleForClaim`), and it is set here otherwise.
 */
export async function beginTurn(
  engine: Engine,
  claimed: ClaimedContext,
  text: string,
  emit: Emit,
  claimFiles: (messageId: string) => Promise<FilePart[]> = async () => [],
): Promise<TurnStart> {
  const { db, now } = engine;
  const context = claimed;
  let state: ContextState = { title: context.title, status: context.status };
  const messageId = newId("msg");
  const files = await claimFiles(messageId);
  if (claimed.firstMessage) {
    // The claim has set it from the text if it was given one (`titleForClaim`).
    const title = titleFromMessage(text || files[0]!.name);
    if (claimed.title !== title) {
      await setFirstMessageTitle(db, context.id, title, now());
      state = { ...state, title };
    }
  }
  return addUserMessage(engine, context, state, messageId, text, files, emit, claimed.firstMessage);
}

/**
 * With the context claimed (`state` as the claim left it, its title set if `first`, the
 * conversation's first user message): the user message (text and files) and a run to answer
 * it. `context` is the row as this transaction read it.
 */
async function addUserMessage(
  engine: Engine,
  context: ContextRow,
  state: ContextState,
  messageId: string,
  text: string,
  files: FilePart[],
  emit: Emit,
  first: boolean,
): Promise<TurnStart> {
  const parts: MessagePart[] = [
    ...(text === "" ? [] : [{ type: "text" as const, text }]),
    ...files,
  ];
  const naming: Naming = {
    autoTitle: context.auto_title === 1,
    firstMessage: first ? parts : null,
  };
  const message: NewMessage = {
    id: messageId,
    contextId: context.id,
    role: "user",
    parts: JSON.stringify(parts),
    runId: null,
    now: engine.now(),
  };
  const begun = await beginRun(engine, context, messageId, emit, state, naming, {
    message,
    parts,
  });
  return started(messageId, begun);
}

/**
 * The title a turn's claim gives the conversation if `text` is its first message
 * (claimIdleContext's `firstTitle`); none for a message of files only.
 */
export function titleForClaim(text: string): string | undefined {
  return text.trim() === "" ? undefined : titleFromMessage(text);
}

/** Removes the reply to the last user message and starts a new run for that message. */
export async function beginRegeneration(
  engine: Engine,
  context: ContextRow,
  emit: Emit,
): Promise<TurnStart> {
  const state = await claimIdle(engine, context);
  const lastUser = await lastMessageWithRole(engine.db, context.id, "user");
  if (!lastUser) throw badRequest("There is no message to answer again: send one first.");
  const removed = await deleteMessagesAfter(engine.db, context.id, lastUser.seq);
  if (removed.length > 0) emit({ type: "messages.removed", messageIds: removed });
  // `context` was read before this commit: its auto_title may be 1 where the row's is 0 by
  // now (never the other way round), which only makes the driver check again.
  const naming: Naming = { autoTitle: context.auto_title === 1, firstMessage: null };
  return started(lastUser.id, await beginRun(engine, context, lastUser.id, emit, state, naming));
}

/**
 * Replaces the last turn: the last user message (which must be `messageId`) and every reply
 * after it go, and `text` with the same files becomes a new user message with a new run. The
 * old turn is not kept. `checkText` trims and bounds the text (it may be empty with files).
 */
export async function beginEdit(
  engine: Engine,
  context: ContextRow,
  input: { messageId: string; text: string },
  emit: Emit,
  checkText: (text: string) => string,
): Promise<TurnStart> {
  const { db } = engine;
  const state = await claimIdle(engine, context);
  const lastUser = await lastMessageWithRole(db, context.id, "user");
  if (!lastUser || lastUser.id !== input.messageId) {
    throw badRequest("Only the last message you sent can be edited.");
  }
  const files = toMessage(lastUser).parts.filter((part) => part.type === "file");
  const text = files.length > 0 && input.text.trim() === "" ? "" : checkText(input.text);
  emit({
    type: "messages.removed",
    messageIds: await deleteMessagesAfter(db, context.id, lastUser.seq - 1),
  });
  const messageId = newId("msg");
  await moveAttachments(db, context.id, lastUser.id, messageId);
  // With the last user message gone, this one may be the conversation's first again.
  let first = false;
  let titled = state;
  if (context.auto_title) {
    const title = titleFromMessage(text || files[0]!.name);
    first = await setFirstMessageTitle(db, context.id, title, engine.now());
    if (first) titled = { ...state, title };
  }
  return addUserMessage(engine, context, titled, messageId, text, files, emit, first);
}

interface WaitingCall {
  /** The context's title and status once moved back to running. */
  context: ContextState;
  runId: string;
  messageId: string;
  parts: MessagePart[];
  index: number;
  part: ToolCallPart;
}

/**
 * The waiting run's tool call `toolCallId`, which must be in the state `waiting` asks for; the
 * run and the context are moved back to running.
 */
async function resumeWaiting(
  engine: Engine,
  context: ContextRow,
  toolCallId: string,
  waiting: "waiting_for_approval" | "waiting_for_input",
): Promise<WaitingCall> {
  const { db, now } = engine;
  const run = await unfinishedRunOf(db, context.id);
  if (!run) {
    throw new AgentRuntimeError(
      "CONFLICT",
      "Nothing in this conversation is waiting for an answer (it may have been answered already).",
    );
  }
  const message = await messageOfRun(db, run.id);
  const parts = message ? toMessage(message).parts : [];
  const index = parts.findIndex((p) => p.type === "tool-call" && p.toolCallId === toolCallId);
  if (!message || index < 0) {
    throw badRequest(`No tool call "${toolCallId}" is part of the current reply.`);
  }
  const part = parts[index] as ToolCallPart;
  const state = waiting === "waiting_for_approval" ? "awaiting-approval" : "awaiting-input";
  if (
    part.state !== state ||
    !(await changeRunStatus(db, run.id, waiting, "running", leaseOf(engine)))
  ) {
    throw new AgentRuntimeError(
      "CONFLICT",
      waiting === "waiting_for_approval"
        ? "This tool call is not waiting for approval (it may have been answered already)."
        : "This question is not waiting for an answer (it may have been answered already).",
    );
  }
  // The move gives the context's title and status; only if it did not move (as before, that
  // is no refusal) are they read.
  const moved =
    (await moveContext(db, context.id, [waiting], "running", now())) ??
    (await getContextById(db, context.id))!;
  return { context: moved, runId: run.id, messageId: message.id, parts, index, part };
}

/** Stores the answer to a waiting tool call in its message and tells subscribers; gives the run. */
async function storeAnswer(
  engine: Engine,
  waiting: WaitingCall,
  answered: ToolCallPart,
  emit: Emit,
): Promise<string> {
  waiting.parts[waiting.index] = answered;
  await setMessageParts(engine.db, waiting.messageId, JSON.stringify(waiting.parts));
  emit({
    type: "message.part",
    messageId: waiting.messageId,
    partIndex: waiting.index,
    part: answered,
  });
  emit(updatedTo(waiting.context));
  return waiting.runId;
}

/** The user's decision on a tool call awaiting approval; gives the run to drive on. */
export async function answerApproval(
  engine: Engine,
  context: ContextRow,
  input: { toolCallId: string; decision: ApprovalDecision },
  emit: Emit,
): Promise<string> {
  const waiting = await resumeWaiting(engine, context, input.toolCallId, "waiting_for_approval");
  const { part } = waiting;
  if (input.decision === "allow_always") {
    await grantTool(
      engine.db,
      { contextGroup: context.context_group, agentId: context.agent_id, toolName: part.toolName },
      engine.now(),
    );
  }
  const answered: ToolCallPart =
    input.decision === "deny"
      ? { ...part, state: "denied", error: "The user denied this call." }
      : { ...part, state: "running" };
  return await storeAnswer(engine, waiting, answered, emit);
}

/** The user's answer to an askUser question; gives the run to drive on. */
export async function answerQuestion(
  engine: Engine,
  context: ContextRow,
  input: { toolCallId: string; value: string },
  emit: Emit,
): Promise<string> {
  const waiting = await resumeWaiting(engine, context, input.toolCallId, "waiting_for_input");
  const { question: _question, ...part } = waiting.part;
  const answered: ToolCallPart = { ...part, state: "completed", output: { answer: input.value } };
  return await storeAnswer(engine, waiting, answered, emit);
}
