// One run, driven from its stored state: settle the tool calls of its message (run them, or
// pause for an approval or an answer), ask the model for the next step, repeat until the model
// answers without calling a tool. A fresh run and a run resumed after a restart take the same
// path, because everything the next step needs is read back from the database.
import {
  allMessages,
  changeRunStatus,
  finishRun,
  firstMessageWithRole,
  getContextById,
  getRun,
  hasToolGrant,
  type MessageRow,
  messageOfRun,
  moveContext,
  type RunClaim,
  type RunRow,
  recordRunProgress,
  setMessageParts,
  setModelTitle,
} from "@agent-access/db";
import type { LanguageModelUsage, ToolSet } from "ai";
import { jsonSchema, type Tool, tool, zodSchema } from "ai";
import { z } from "zod";
import {
  type AgentDefinition,
  type AgentTool,
  instructionsFor,
  type ToolContext,
} from "../agent.ts";
import { openRunTools, type RunTools } from "../mcp/run-tools.ts";
import type {
  ContextEvent,
  FinishedRunStatus,
  HostContext,
  MessagePart,
  RunUsage,
  ToolCallPart,
} from "../types.ts";
import { attachedFileIds, toModelMessages } from "./conversation.ts";
import { DeltaBatcher } from "./delta-batcher.ts";
import {
  type CommitClaim,
  commit,
  commitText,
  contextUpdated,
  type Emit,
  type Engine,
  type TextCommit,
  updatedTo,
} from "./engine.ts";
import { failureMessage, failureReference } from "./failures.ts";
import { streamModelStep } from "./model-call.ts";
import { modelTitle, TITLE_TIMEOUT_MS } from "./model-title.ts";
import { errorMessage, parseUsage, toJson, toMessage } from "./records.ts";
import type { BegunRun, Naming } from "./turns.ts";

/**
 * Why a driver stops early: the user cancelled, the server shuts down, the run failed, or the run
 * is no longer this instance's (its lease lapsed and another instance ended it).
 */
type AbortCause = "cancel" | "shutdown" | "failure" | "lost";

const UNFINISHED_CALL: Record<Exclude<FinishedRunStatus, "completed">, string> = {
  cancelled: "Cancelled before the tool finished.",
  interrupted: "The server stopped before the tool finished.",
  failed: "The run failed before the tool finished.",
};

export const INTERRUPTED_ERROR =
  "The server stopped before the reply was finished; send your message again.";

/**
 * Characters of text one output token may stand for, at most, when the engine enforces the
 * reply cap itself: generous, so that only a model ignoring `maxOutputTokens` ever meets it.
 */
const MAX_CHARS_PER_TOKEN = 16;

/**
 * PostgreSQL channel on which the instance that drives a run is asked to stop it (payload: the
 * run id). Channels are database-wide: an instance ignores the runs it does not drive.
 */
export const RUN_CANCEL_CHANNEL = "agent_access_run_cancel";

/**
 * PostgreSQL channel told, at the commit, that a run stopped running (ended or paused; payload:
 * the run id): an instance waiting for a run driven elsewhere to stop reads it again.
 */
export const RUN_STOPPED_CHANNEL = "agent_access_run_stopped";

class Aborted extends Error {
  override name = "AbortError";
}

/**
 * Tells instances waiting for the run to stop (RUN_STOPPED_CHANNEL) when the commit of `tx`
 * commits, on the statement that appends its events.
 */
function notifyStopped(tx: Engine, runId: string): void {
  tx.notifyAtCommit!(RUN_STOPPED_CHANNEL, runId);
}

/**
 * A change to a run found the run no longer as it expected (claimRun): another instance ended
 * it, or it was answered or ended already. The change is rolled back and nothing is published.
 */
export class RunMoved extends Error {
  override name = "RunMoved";

  constructor(runId: string, claim: RunClaim) {
    super(`run ${runId} is no longer ${claim === "owner" ? "this instance's" : claim}`);
  }
}

function addUsage(total: RunUsage, step: LanguageModelUsage): RunUsage {
  const input = step.inputTokens ?? 0;
  const output = step.outputTokens ?? 0;
  return {
    inputTokens: total.inputTokens + input,
    outputTokens: total.outputTokens + output,
    totalTokens: total.totalTokens + (step.totalTokens ?? input + output),
  };
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (a tool may ignore it). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Aborted("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

const modelTools = new WeakMap<AgentTool, Tool>();

/**
 * The run's tools as the AI SDK describes them to a model: no `execute`, the engine runs them.
 * Each schema is wrapped once with `zodSchema`, which keeps its JSON Schema once made; a bare zod
 * schema would be converted again on every model step. An MCP tool brings its JSON Schema.
 */
function toolSetOf(agent: AgentDefinition): ToolSet {
  const set: ToolSet = {};
  for (const [name, definition] of Object.entries(agent.tools)) {
    let described = modelTools.get(definition);
    if (!described) {
      const given = definition.kind === "execute" ? definition.modelInputSchema : undefined;
      described = tool({
        description: definition.description,
        inputSchema: given ? jsonSchema(given) : zodSchema(definition.inputSchema),
      });
      modelTools.set(definition, described);
    }
    set[name] = described;
  }
  return set;
}

interface Waiting {
  reason: "approval" | "input";
  index: number;
}

export class RunDriver {
  /** Settles when the driver has stopped (paused or finished); never rejects. */
  done: Promise<void> = Promise.resolve();

  private readonly controller = new AbortController();
  private abortCause: AbortCause | null = null;
  private failure: unknown = null;
  private parts: MessagePart[];
  private usage: RunUsage;
  private steps: number;
  private readonly deltas: DeltaBatcher;
  /** The commits of this run, one after the other: each starts from the parts the last left. */
  private commits: Promise<void> = Promise.resolve();

  private constructor(
    private readonly engine: Engine,
    readonly run: RunRow,
    private readonly contextGroup: string,
    /** The run's assistant message, made in the same commit as the run (turns.ts). */
    private readonly messageId: string,
    parts: MessagePart[],
    private readonly hostContext: HostContext,
    /** What the run's beginning knew about naming the conversation. */
    private readonly naming: Naming,
    /** The context's messages as the run's commit left them, for the first model call. */
    private history?: MessageRow[],
  ) {
    this.parts = parts;
    this.usage = parseUsage(run.usage);
    this.steps = run.steps;
    this.deltas = new DeltaBatcher({
      windowMs: engine.deltaFlushMs,
      flush: () => this.commit(),
      // No caller is waiting on a timer: end the run as failed through the abort path.
      onTimerError: (error) => {
        this.failure = error;
        this.abortCause ??= "failure";
        this.controller.abort(new Aborted("failure"));
      },
    });
  }

  /** A driver for a run its own commit just began (turns.ts): nothing to read back. */
  static begun(engine: Engine, begun: BegunRun, hostContext: HostContext = {}): RunDriver {
    return new RunDriver(
      engine,
      begun.run,
      begun.contextGroup,
      begun.messageId,
      [],
      hostContext,
      begun.naming,
      begun.history,
    );
  }

  /** A driver for the run as stored. */
  static async load(
    engine: Engine,
    runId: string,
    hostContext: HostContext = {},
  ): Promise<RunDriver> {
    const run = await getRun(engine.db, runId);
    if (!run) throw new Error(`no run ${runId}`);
    const context = await getContextById(engine.db, run.context_id);
    const message = await messageOfRun(engine.db, run.id);
    // Both are written in the commit that inserts the run, and neither is ever removed while
    // the run exists (a context is only soft-deleted; regenerate removes finished runs' replies).
    if (!context || !message) throw new Error(`run ${runId} has no context or no message`);
    return new RunDriver(
      engine,
      run,
      context.context_group,
      message.id,
      toMessage(message).parts,
      hostContext,
      // Unknown here: both are read when the reply completes.
      { autoTitle: true, firstMessage: null },
    );
  }

  get contextId(): string {
    return this.run.context_id;
  }

  /** Drives the run in the background; `done` settles when it pauses or ends. */
  start(): this {
    this.done = this.drive().catch((error: unknown) => this.engine.onError(error));
    return this;
  }

  /**
   * Stops the model call and any tool at once; the run then ends cancelled or interrupted, or,
   * when `lost` (another instance has it now), the driver stops without writing anything more.
   */
  abort(cause: Exclude<AbortCause, "failure">): void {
    this.abortCause ??= cause;
    this.controller.abort(new Aborted(cause));
  }

  private async drive(): Promise<void> {
    const defined = this.engine.agents.get(this.run.agent_id);
    if (!defined) {
      await this.finish("failed", `The agent "${this.run.agent_id}" is no longer available.`);
      return;
    }
    let runTools: RunTools | undefined;
    try {
      runTools = await openRunTools(this.engine.mcp, defined, {
        contextGroup: this.contextGroup,
        hostContext: this.hostContext,
      });
      const agent = runTools.agent;
      await this.reportUnavailable(runTools);
      let answered = false;
      for (;;) {
        const waiting = await this.settleToolCalls(agent);
        if (waiting) return await this.pause(waiting);
        if (answered) {
          // The title, if any, is written by the run's last commit, not one of its own.
          await this.finish("completed", undefined, "owner", await this.nameConversation(agent));
          return;
        }
        if (this.steps >= this.engine.maxSteps) {
          await this.finish(
            "failed",
            `The agent stopped after ${this.engine.maxSteps} model steps without an answer; try a simpler request.`,
          );
          return;
        }
        answered = (await this.modelStep(agent)) === 0;
      }
    } catch (error) {
      // The run is no longer this instance's: whoever took it wrote its end.
      if (error instanceof RunMoved || this.failure instanceof RunMoved) return;
      if (this.abortCause === "lost") return;
      if (!this.controller.signal.aborted) {
        await this.finish("failed", this.reported(error));
        return;
      }
      if (this.abortCause === "failure") {
        await this.finish("failed", this.reported(this.failure));
        return;
      }
      if (this.abortCause === "shutdown") {
        await this.finish("interrupted", INTERRUPTED_ERROR);
        return;
      }
      await this.finish("cancelled");
    } finally {
      // The run paused or ended: its MCP servers' processes and sessions end with it.
      await runTools?.close();
    }
  }

  /**
   * After the first reply that completed, the model names the conversation, unless its title is
   * the user's (or the model's already): resolves the title for the run's end to write, or null.
   * The call's usage counts towards this run. A title call that fails or takes too long leaves
   * the title as it is; a stopped run stops it too.
   */
  private async nameConversation(agent: AgentDefinition): Promise<string | null> {
    const { db } = this.engine;
    // auto_title 0 at the run's beginning stays 0: no read. A 1 may have become 0 since (the
    // user renamed the conversation meanwhile): read again.
    if (!this.naming.autoTitle) return null;
    if (!(await getContextById(db, this.contextId))?.auto_title) return null;
    let first = this.naming.firstMessage ? { parts: this.naming.firstMessage } : undefined;
    if (!first) {
      const firstRow = await firstMessageWithRole(db, this.contextId, "user");
      first = firstRow ? toMessage(firstRow) : undefined;
    }
    const text = (parts: MessagePart[]) =>
      parts.map((part) => (part.type === "text" ? part.text : "")).join("");
    // The reply's last words may still wait in the batcher: written first, so the title sees
    // them (the step's own commit took them all, unless a cut left some).
    if (this.deltas.pending()) await this.commit();
    const reply = text(this.parts);
    const message = first
      ? text(first.parts) || first.parts.map((p) => (p.type === "file" ? p.name : "")).join(", ")
      : "";
    if (!message.trim() || !reply.trim()) return null;
    const signal = this.controller.signal;
    try {
      const named = await modelTitle(agent.model ?? this.engine.model, {
        message,
        reply,
        signal: AbortSignal.any([signal, AbortSignal.timeout(TITLE_TIMEOUT_MS)]),
      });
      this.usage = {
        inputTokens: this.usage.inputTokens + named.usage.inputTokens,
        outputTokens: this.usage.outputTokens + named.usage.outputTokens,
        totalTokens: this.usage.totalTokens + named.usage.totalTokens,
      };
      return named.title;
    } catch (error) {
      if (signal.aborted) throw error;
      this.engine.logFailure(failureReference(), error);
      return null;
    }
  }

  /** A failed card for each MCP server that could not list its tools, once per reply. */
  private async reportUnavailable(runTools: RunTools): Promise<void> {
    for (const part of runTools.unavailableParts) {
      if (this.parts.some((p) => p.type === "tool-call" && p.toolName === part.toolName)) continue;
      await this.commit((draft, emit) => this.setPart(draft, draft.length, part, emit));
    }
  }

  /** Logs an unexpected error under a new reference; returns what the user is told instead. */
  private reported(error: unknown): string {
    const reference = failureReference();
    this.engine.logFailure(reference, error);
    return failureMessage(reference);
  }

  /** One model call: its text and tool calls go into the message as they stream in. */
  private async modelStep(agent: AgentDefinition): Promise<number> {
    const signal = this.controller.signal;
    // The first call's history may come from the commit that began the run, if the run has
    // committed nothing since (nothing else changes a running context's messages).
    const rows = this.history ?? (await allMessages(this.engine.db, this.contextId));
    this.history = undefined;
    const history = rows.map(toMessage);
    const files = await this.engine.attachments.load(attachedFileIds(history));
    const messages = toModelMessages(history, files);
    const tools = toolSetOf(agent);
    const maxOutputTokens = agent.maxOutputTokens ?? this.engine.maxOutputTokens;
    // The model is asked to stop at the cap; a model that goes on is cut off at this length.
    const maxChars = maxOutputTokens * MAX_CHARS_PER_TOKEN;
    const step = new AbortController();
    let toolCalls = 0;
    let usage = this.usage;
    let chars = 0;
    try {
      for await (const part of streamModelStep({
        model: agent.model ?? this.engine.model,
        system: instructionsFor(agent, {
          hostContext: this.hostContext,
          contextGroup: this.contextGroup,
        }),
        messages,
        tools,
        maxOutputTokens,
        abortSignal: AbortSignal.any([signal, step.signal]),
      })) {
        if (part.type === "text") {
          await this.appendText(part.text.slice(0, maxChars - chars));
          chars += part.text.length;
          if (chars >= maxChars) {
            // The cut ends the model's stream too (the generator's return cancels it).
            step.abort();
            break;
          }
        } else if (part.type === "tool-call") {
          toolCalls++;
          await this.addToolCall(agent, part);
        } else {
          usage = addUsage(usage, part.usage);
        }
      }
    } catch (error) {
      // The engine's own cut at the reply cap ends the step, not the run.
      if (!step.signal.aborted || signal.aborted) throw error;
    }
    if (signal.aborted) throw new Aborted("aborted");
    const steps = this.steps + 1;
    await this.commit(undefined, "owner", { usage: JSON.stringify(usage), steps });
    this.usage = usage;
    this.steps = steps;
    return toolCalls;
  }

  private async addToolCall(
    agent: AgentDefinition,
    call: {
      toolCallId: string;
      toolName: string;
      input: unknown;
      invalid?: boolean;
      error?: unknown;
    },
  ): Promise<void> {
    const definition = agent.tools[call.toolName];
    const part: ToolCallPart = {
      type: "tool-call",
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: toJson(call.input),
      state: "running",
    };
    if (call.invalid || !definition) {
      part.state = "failed";
      part.error = `The model's call did not fit the tool: ${errorMessage(call.error ?? "unknown tool")}`;
    } else if (definition.kind === "ask-user") {
      part.state = "awaiting-input";
      const parsed = definition.inputSchema.safeParse(call.input);
      part.question = parsed.success ? parsed.data.question : String(part.input);
    } else if (definition.needsApproval && !(await this.granted(call.toolName))) {
      part.state = "awaiting-approval";
    }
    await this.commit((draft, emit) => this.setPart(draft, draft.length, part, emit));
  }

  private granted(toolName: string): Promise<boolean> {
    return hasToolGrant(this.engine.db, {
      contextGroup: this.contextGroup,
      agentId: this.run.agent_id,
      toolName,
    });
  }

  /** Runs the calls that may run, in order; stops at the first that needs the user. */
  private async settleToolCalls(agent: AgentDefinition): Promise<Waiting | null> {
    for (let index = 0; index < this.parts.length; index++) {
      const part = this.parts[index]!;
      if (part.type !== "tool-call") continue;
      if (part.state === "awaiting-input") return { reason: "input", index };
      if (part.state === "awaiting-approval") {
        // "Allow always" on an earlier call of this tool covers this one too.
        if (!(await this.granted(part.toolName))) return { reason: "approval", index };
        await this.commit((draft, emit) =>
          this.setPart(draft, index, { ...part, state: "running" }, emit),
        );
      } else if (part.state !== "running") {
        continue;
      }
      await this.execute(agent, index);
    }
    return null;
  }

  private async execute(agent: AgentDefinition, index: number): Promise<void> {
    const part = this.parts[index] as ToolCallPart;
    const definition = agent.tools[part.toolName];
    let settled: ToolCallPart;
    if (definition?.kind !== "execute") {
      settled = { ...part, state: "failed", error: `This agent has no tool "${part.toolName}".` };
    } else {
      const input = definition.inputSchema.safeParse(part.input);
      if (!input.success) {
        settled = {
          ...part,
          state: "failed",
          error: `The input did not fit the tool: ${z.prettifyError(input.error)}`,
        };
      } else {
        const signal = this.controller.signal;
        const context: ToolContext = {
          contextGroup: this.contextGroup,
          hostContext: this.hostContext,
          contextId: this.contextId,
          db: this.engine.db,
          signal,
          now: this.engine.now,
        };
        try {
          const output = await untilAborted(
            Promise.resolve().then(() => definition.execute(input.data, context)),
            signal,
          );
          settled = { ...part, state: "completed", output: toJson(output) };
        } catch (error) {
          if (signal.aborted) throw error;
          settled = { ...part, state: "failed", error: errorMessage(error) };
        }
      }
    }
    await this.commit((draft, emit) => this.setPart(draft, index, settled, emit));
  }

  private async pause(waiting: Waiting): Promise<void> {
    const part = this.parts[waiting.index] as ToolCallPart;
    const status = waiting.reason === "approval" ? "waiting_for_approval" : "waiting_for_input";
    await this.commit(async (_draft, emit, tx) => {
      const { db, now } = tx;
      // A waiting run holds no lease: any instance resumes it when the answer comes.
      await changeRunStatus(db, this.run.id, "running", status);
      const moved = await moveContext(db, this.contextId, ["running"], status, now());
      notifyStopped(tx, this.run.id);
      emit({
        type: "run.waiting",
        runId: this.run.id,
        reason: waiting.reason,
        messageId: this.messageId,
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: part.input,
        ...(part.question === undefined ? {} : { question: part.question }),
      });
      emit(moved ? updatedTo(moved) : await contextUpdated(tx, this.contextId));
    });
  }

  /**
   * Ends the run: pending text written, the model's `title` for the conversation set (unless
   * the user renamed it meanwhile), unsettled tool calls cancelled, the message completed, the
   * run's status, usage and error recorded, the context idle again; all in one commit, made
   * only if `claim` holds (default: this instance drives the run). Resolves whether it was made;
   * false when the run was no longer as `claim` says (another instance ended or took it).
   */
  async finish(
    status: FinishedRunStatus,
    error?: string,
    claim: RunClaim = "owner",
    title: string | null = null,
  ): Promise<boolean> {
    try {
      await this.end(status, error, claim, title);
      return true;
    } catch (failure) {
      if (failure instanceof RunMoved) return false;
      throw failure;
    }
  }

  private end(
    status: FinishedRunStatus,
    error: string | undefined,
    claim: RunClaim,
    title: string | null,
  ) {
    return this.commit(async (draft, emit, tx) => {
      const { db, now } = tx;
      // The title's update comes first, as when it was a commit of its own before the end.
      const named =
        title === null ? undefined : await setModelTitle(db, this.contextId, title, now());
      if (named) emit(updatedTo(named));
      if (status !== "completed") {
        draft.forEach((part, index) => {
          if (part.type !== "tool-call") return;
          if (!["running", "awaiting-approval", "awaiting-input"].includes(part.state)) return;
          const { question: _question, ...rest } = part;
          this.setPart(
            draft,
            index,
            { ...rest, state: "cancelled", error: UNFINISHED_CALL[status] },
            emit,
          );
        });
      }
      emit({ type: "message.completed", messageId: this.messageId });
      await finishRun(db, this.run.id, {
        status,
        error: error ?? null,
        usage: JSON.stringify(this.usage),
        now: now(),
      });
      const idle = await moveContext(
        db,
        this.contextId,
        ["running", "waiting_for_approval", "waiting_for_input"],
        "idle",
        now(),
      );
      notifyStopped(tx, this.run.id);
      emit({
        type: "run.finished",
        runId: this.run.id,
        status,
        usage: this.usage,
        ...(error === undefined ? {} : { error }),
      });
      emit(idle ? updatedTo(idle) : await contextUpdated(tx, this.contextId));
    }, claim);
  }

  /** Text deltas go through the batcher (delta-batcher.ts), which commits them in batches. */
  private appendText(text: string): Promise<void> {
    return this.deltas.add(text);
  }

  /** Appends `text` to the draft's last part if it is text, else as a new text part. */
  private addText(draft: MessagePart[], text: string, emit: Emit): void {
    const last = draft.length - 1;
    const tail = draft[last];
    if (tail?.type === "text") {
      draft[last] = { type: "text", text: tail.text + text };
      emit({ type: "message.delta", messageId: this.messageId, partIndex: last, text });
    } else {
      this.setPart(draft, draft.length, { type: "text", text }, emit);
    }
  }

  private setPart(draft: MessagePart[], index: number, part: MessagePart, emit: Emit): void {
    draft[index] = part;
    emit({ type: "message.part", messageId: this.messageId, partIndex: index, part });
  }

  /**
   * Applies the pending text and then `change` to a copy of the parts, writes the message row
   * and the events in one commit, and adopts the copy only once that commit succeeded. Any
   * change writes the pending text first, in the same transaction, so the log keeps the
   * model's order. Commits of one run are queued: each starts from what the one before left.
   * Each first claims the run (`claim`, default: this instance drives it, whose lease it renews);
   * if the claim fails, it throws RunMoved and writes nothing. `progress` records a model step's
   * end on the run. Text alone (with or without progress) is a text commit (`commitText`).
   */
  private commit(
    change?: (draft: MessagePart[], emit: Emit, tx: Engine) => Promise<void> | void,
    claim: RunClaim = "owner",
    progress?: TextCommit["progress"],
  ): Promise<void> {
    // A commit may change the reply's parts: a history read before it is not the model's.
    this.history = undefined;
    const next = this.commits.then(() => this.commitNow(change, claim, progress));
    // The queue goes on after a failed commit; the caller gets the failure.
    this.commits = next.catch(() => {});
    return next;
  }

  private async commitNow(
    change: ((draft: MessagePart[], emit: Emit, tx: Engine) => Promise<void> | void) | undefined,
    claim: RunClaim,
    progress: TextCommit["progress"],
  ): Promise<void> {
    const text = this.deltas.take();
    const draft = this.parts.slice();
    // The run is claimed first, under the context's lock: no other instance changes the run
    // while this commit runs.
    const claimed: CommitClaim = {
      runId: this.run.id,
      claim,
      moved: () => new RunMoved(this.run.id, claim),
    };
    if (!change && claim === "owner" && text) {
      // The reply's text alone, as it streams (and at a step's end, the step's progress).
      const events: ContextEvent[] = [];
      this.addText(draft, text, (event) => events.push(event));
      await commitText(this.engine, this.contextId, {
        runId: this.run.id,
        messageId: this.messageId,
        parts: JSON.stringify(draft),
        events,
        progress,
        moved: claimed.moved,
      });
      this.parts = draft;
      this.deltas.written(text);
      return;
    }
    await commit(
      this.engine,
      this.contextId,
      async (emit, tx) => {
        if (text) this.addText(draft, text, emit);
        await change?.(draft, emit, tx);
        if (progress) {
          await recordRunProgress(tx.db, this.run.id, progress.usage, progress.steps);
        }
        // Only parts that changed are written (a run's end that completes the message without
        // changing a part writes none).
        const changed =
          draft.length !== this.parts.length || draft.some((part, i) => part !== this.parts[i]);
        if (changed) await setMessageParts(tx.db, this.messageId, JSON.stringify(draft));
      },
      { claim: claimed },
    );
    this.parts = draft;
    this.deltas.written(text);
  }
}
