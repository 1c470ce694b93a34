// What the runtime and its run drivers share, and the one way they change a context: a
// transaction that applies the change and appends its events to the log, then (only after the
// commit) publishes the events to live subscribers.

import { appendContextEvents, type Db, getContextById } from "@agent-access/db";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { McpHub } from "../mcp/hub.ts";
import type { AgentRegistry } from "../registry.ts";
import type { ContextEvent, SequencedEvent } from "../types.ts";
import type { ContextBus } from "./bus.ts";
import type { FailureLog } from "./failures.ts";

export interface Engine {
  db: Db;
  bus: ContextBus;
  agents: AgentRegistry;
  model: LanguageModelV3;
  now: () => number;
  deltaFlushMs: number;
  maxSteps: number;
  maxOutputTokens: number;
  /** The MCP connections of running runs. */
  mcp: McpHub;
  onError: (error: unknown) => void;
  /** Where attached files' bytes are read from for the model. */
  attachments: { load(ids: readonly string[]): Promise<Map<string, Uint8Array>> };
  logFailure: FailureLog;
  /** Writes more inside each commit's transaction (the host's webhook outbox). Default none. */
  onCommit?: CommitHook;
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
export type CommitHook = (db: Db, change: CommittedChange) => void;

export type Emit = (event: ContextEvent) => void;

/**
 * Runs `change` in an IMMEDIATE transaction (taking the write lock at once, so a concurrent
 * writer waits instead of failing half-way), appends the events it emits with the context's
 * next seqs, commits, and then publishes them. If anything throws, nothing is written and
 * nothing is published.
 */
export function commit<T>(
  engine: Engine,
  contextId: string,
  change: (emit: Emit) => T,
  lifecycle: CommittedChange["lifecycle"] = null,
): T {
  const { db } = engine;
  // Publishing must follow the outermost commit; inside another transaction it would not.
  if (db.inTransaction) throw new Error("commit() must not run inside another transaction");
  const events: ContextEvent[] = [];
  const { value, published } = db
    .transaction(() => {
      const value = change((event) => events.push(event));
      const seqs = appendContextEvents(db, contextId, events, engine.now());
      const published: SequencedEvent[] = events.map((event, i) => ({ seq: seqs[i]!, event }));
      engine.onCommit?.(db, { contextId, events: published, lifecycle });
      return { value, published };
    })
    .immediate();
  engine.bus.publish(contextId, published);
  return value;
}

/** A `context.updated` event with the context's title and status as the transaction sees them. */
export function contextUpdated(engine: Engine, contextId: string): ContextEvent {
  const row = getContextById(engine.db, contextId)!;
  return { type: "context.updated", title: row.title, status: row.status };
}
