// Test harness: a migrated database (in memory or in a temp file) with the test agent's data for
// one context group, a runtime with the builtin model and the test agent (fixture-agent.ts), and
// helpers to follow a context's events until something happens.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type AgentScope,
  all,
  closeDatabase,
  type Db,
  migrate,
  openDatabase,
} from "@agent-access/db";
import { currentSuite, openTestDatabase } from "@agent-access/db/testing";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import {
  type AgentRegistry,
  type AgentRuntime,
  type AttachmentOptions,
  type CommitHook,
  type ContextEvent,
  type ContextMessage,
  createAgentRegistry,
  createAgentRuntime,
  createBuiltinModel,
  type FailureLog,
  type SequencedEvent,
} from "../src/index.ts";
import { seedFixture, TEST_AGENT, testAssistant } from "../src/test-agent.ts";

export const AGENT = TEST_AGENT;
export const testAgents = createAgentRegistry([testAssistant]);
/** The scope of the tests: one context group, whose data seedFixture made. */
export const GROUP = "tenant:acme:user:7";

export interface Setup {
  db: Db;
  runtime: AgentRuntime;
  scope: AgentScope;
  /**
   * Another runtime on the same database, as a restarted server would have (or, on `db` from
   * `reopen`, another instance); `options` override the setup's for this runtime.
   */
  restart(options?: RuntimeOptions): AgentRuntime;
  /**
   * A new connection to the same database, as another process or instance would open (with
   * `restartable`): the SQLite file again, or another PostgreSQL pool.
   */
  reopen(): Db;
}

export interface SetupOptions {
  /**
   * A SQLite file (for restarts and crashes); default a new database on the dialect of the
   * enclosing describeEachDialect (SQLite in memory outside one).
   */
  file?: string;
  model?: LanguageModelV3;
  /** Pause between builtin words; default 0. */
  tokenDelayMs?: number;
  deltaFlushMs?: number;
  maxSteps?: number;
  agents?: AgentRegistry;
  attachments?: Partial<AttachmentOptions>;
  /** The runtime's commit hook. */
  onCommit?: CommitHook;
  /** A database `reopen` can open again: on SQLite a temp file, on PostgreSQL the test's own. */
  restartable?: boolean;
  /** Where failures' detail goes; default a line on stderr. */
  logFailure?: FailureLog;
  /** Errors no caller gets; default: thrown (the test fails). */
  onError?: (error: unknown) => void;
  runLeaseMs?: number;
  runHeartbeatMs?: number;
}

/** What one runtime of a setup may do differently, and its database. */
export type RuntimeOptions = Pick<
  SetupOptions,
  "model" | "tokenDelayMs" | "logFailure" | "onError" | "runLeaseMs" | "runHeartbeatMs"
> & { db?: Db };

const open: { runtime: AgentRuntime; db: Db }[] = [];

/** Closes what the tests opened; call it in afterEach. */
export async function teardown(): Promise<void> {
  const opened = open.splice(0);
  // Every runtime first: a restarted one shares its database with the first.
  for (const { runtime } of opened) await runtime.close();
  for (const { db } of opened) await closeDatabase(db);
}

export function tempDbFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aa-agents-")), "test.db");
}

export async function setup(options: SetupOptions = {}): Promise<Setup> {
  const suite = currentSuite();
  const file =
    options.file ?? (options.restartable && suite?.dialect !== "postgres" ? tempDbFile() : null);
  let db: Db;
  if (file) {
    db = openDatabase(file);
    await migrate(db);
  } else {
    db = await openTestDatabase();
  }
  const reopen = (): Db => {
    if (file) return openDatabase(file);
    const another = suite?.openAnother(db);
    if (!another) throw new Error("reopen() needs setup({ restartable: true })");
    return another;
  };
  await seedFixture(db, GROUP);
  // Another tenant's data, which no test of GROUP may touch.
  await seedFixture(db, "tenant:globex:user:8");
  const make = (overrides: RuntimeOptions) => {
    const chosen = { ...options, ...overrides };
    const database = overrides.db ?? db;
    const runtime = createAgentRuntime({
      db: database,
      agents: options.agents ?? testAgents,
      model:
        overrides.model ??
        (overrides.tokenDelayMs === undefined ? options.model : undefined) ??
        createBuiltinModel({ tokenDelayMs: chosen.tokenDelayMs ?? 0 }),
      deltaFlushMs: options.deltaFlushMs ?? 0,
      maxSteps: options.maxSteps,
      attachments: options.attachments,
      onCommit: options.onCommit,
      logFailure: chosen.logFailure,
      runLeaseMs: chosen.runLeaseMs,
      runHeartbeatMs: chosen.runHeartbeatMs,
      onError:
        chosen.onError ??
        ((error) => {
          throw error;
        }),
    });
    open.push({ runtime, db: database });
    return runtime;
  };
  return {
    db,
    runtime: make({}),
    scope: { contextGroup: GROUP, agentIds: [AGENT] },
    restart: (restartOptions = {}) => make(restartOptions),
    reopen,
  };
}

/** Follows the context's events after `afterSeq` until `stop` says so; returns them all. */
export async function eventsUntil(
  runtime: AgentRuntime,
  scope: AgentScope,
  contextId: string,
  stop: (event: ContextEvent, seq: number) => boolean,
  afterSeq = 0,
): Promise<SequencedEvent[]> {
  const controller = new AbortController();
  const seen: SequencedEvent[] = [];
  for await (const item of await runtime.events(scope, contextId, {
    afterSeq,
    signal: controller.signal,
  })) {
    seen.push(item);
    if (stop(item.event, item.seq)) {
      controller.abort();
      break;
    }
  }
  return seen;
}

/** A stop condition: the run `runId` (or any run) finished. */
export function runFinished(runId?: string) {
  return (event: ContextEvent) =>
    event.type === "run.finished" && (runId === undefined || event.runId === runId);
}

/** A stop condition: the run paused for approval or input. */
export function runWaiting(event: ContextEvent): boolean {
  return event.type === "run.waiting";
}

/** Every event of the context from its log. */
export async function fullLog(
  runtime: AgentRuntime,
  scope: AgentScope,
  contextId: string,
): Promise<SequencedEvent[]> {
  const { lastEventId } = await runtime.getContext(scope, contextId);
  return eventsUntil(runtime, scope, contextId, (_event, seq) => seq >= lastEventId);
}

export function textOf(message: ContextMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");
}

/** A fingerprint of everything the engine writes, to show that a refused call changed nothing. */
export async function snapshot(db: Db): Promise<string> {
  const tables = ["context", "message", "run", "context_event", "tool_grant", "fixture_delivery"];
  const rows = [];
  for (const table of tables) rows.push(await all(db, `SELECT * FROM ${table} ORDER BY 1, 2`));
  return JSON.stringify(rows);
}
