// A group's conversations for the host's backend: list, read with messages, and erase. Reads
// see live contexts; erasure takes a context whether or not a user already deleted it.
import {
  attachmentIdsOf,
  type ContextRow,
  type Erasure,
  eraseContext,
  findAnyContext,
  listGroupContexts,
  type MessageRow,
  messagePage as readMessagePage,
} from "@agent-access/db";
import type { z } from "zod";
import type { ApiDependencies } from "../../context.ts";
import { decodeCursor, pageOf } from "./cursor.ts";
import { checkGroup } from "./groups.ts";
import { badField, defineRoute, notFound } from "./route.ts";
import {
  contextIdPath,
  contextPage,
  contextSchema,
  erasure,
  listContextsQuery,
  listMessagesQuery,
  messagePage,
  type messageSchema,
} from "./schemas.ts";

export function toContext(row: ContextRow): z.output<typeof contextSchema> {
  return {
    id: row.id,
    context_group: row.context_group,
    agent_id: row.agent_id,
    title: row.title,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_activity_at: row.last_activity_at,
  };
}

function toMessage(row: MessageRow): z.output<typeof messageSchema> {
  return {
    id: row.id,
    seq: row.seq,
    role: row.role,
    parts: JSON.parse(row.parts) as z.output<typeof messageSchema>["parts"],
    run_id: row.run_id,
    created_at: row.created_at,
  };
}

const CONTEXT_NOT_FOUND = "no context with this id: it was erased, deleted, or never existed";

async function liveContext(deps: ApiDependencies, id: string): Promise<ContextRow> {
  const row = await findAnyContext(deps.db, id);
  if (!row || row.deleted_at !== null) throw notFound(CONTEXT_NOT_FOUND);
  return row;
}

/** The engine's scope for one context: its group and its agent. */
export function scopeOf(row: ContextRow) {
  return { contextGroup: row.context_group, agentIds: [row.agent_id] };
}

/**
 * Stops the context's run, if any, through the run engine and deletes the context there, so
 * its event streams end and `context.deleted` is recorded; returns whether a run was stopped.
 */
export async function retire(deps: ApiDependencies, row: ContextRow): Promise<boolean> {
  if (row.deleted_at !== null) return false;
  const { cancelled } = await deps.runtime.cancel(scopeOf(row), row.id);
  await deps.runtime.deleteContext(scopeOf(row), row.id);
  return cancelled;
}

/**
 * The erasure's answer, once the bytes of its attachments are removed from the store (after the
 * transaction: a folder store's files outlive the rows). `before` are the ids seen before the
 * run engine deleted the live contexts, which already removed theirs; `files` counts both.
 */
export async function erased(
  deps: ApiDependencies,
  { counts, attachmentIds }: Erasure,
  cancelled: number,
  before: readonly string[],
): Promise<z.output<typeof erasure>> {
  const ids = [...new Set([...before, ...attachmentIds])];
  await deps.runtime.removeAttachmentFiles(ids);
  return { erased: { ...counts, files: ids.length }, cancelled_runs: cancelled };
}

export const listContextsRoute = defineRoute({
  method: "get",
  path: "/v1/contexts",
  summary: "A group's conversations, newest activity first",
  scope: "read",
  query: listContextsQuery,
  response: { status: 200, description: "A page of contexts.", schema: contextPage },
  async run(deps, { query }): Promise<z.output<typeof contextPage>> {
    const group = checkGroup(deps, "context_group", query.context_group);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await listGroupContexts(deps.db, group, {
      after: after && { lastActivityAt: after.at, id: after.id },
      limit: query.limit + 1,
      status: query.status,
      agentId: query.agent_id,
    });
    return pageOf(rows, query.limit, toContext, (row) => ({
      at: row.last_activity_at,
      id: row.id,
    }));
  },
});

export const getContextRoute = defineRoute({
  method: "get",
  path: "/v1/contexts/{id}",
  summary: "One conversation",
  scope: "read",
  params: contextIdPath,
  response: { status: 200, description: "The context.", schema: contextSchema },
  errors: [{ status: 404, description: "No such context (or it was deleted)." }],
  async run(deps, { path }) {
    return toContext(await liveContext(deps, path.id));
  },
});

export const listMessagesRoute = defineRoute({
  method: "get",
  path: "/v1/contexts/{id}/messages",
  summary: "A conversation's messages with their parts, a page at a time",
  scope: "read",
  params: contextIdPath,
  query: listMessagesQuery,
  response: { status: 200, description: "A page of messages, oldest first.", schema: messagePage },
  errors: [{ status: 404, description: "No such context (or it was deleted)." }],
  async run(deps, { path, query }): Promise<z.output<typeof messagePage>> {
    // One statement (messagePage), so the cursor and the page see the same messages.
    const page = await readMessagePage(deps.db, path.id, {
      before: query.before,
      limit: query.limit + 1,
    });
    if (page === "no context") throw notFound(CONTEXT_NOT_FOUND);
    if (page === "no cursor") throw badField("before", "no message with this id in this context");
    return {
      data: page.rows.slice(-query.limit).map(toMessage),
      has_more: page.rows.length > query.limit,
    };
  },
});

export const deleteContextRoute = defineRoute({
  method: "delete",
  path: "/v1/contexts/{id}",
  summary:
    "Erase a conversation: its messages, events, runs and files; a running run is stopped first",
  scope: "erase",
  params: contextIdPath,
  response: { status: 200, description: "What was erased.", schema: erasure },
  errors: [{ status: 404, description: "No such context." }],
  async run(deps, { path }): Promise<z.output<typeof erasure>> {
    const row = await findAnyContext(deps.db, path.id);
    if (!row) throw notFound(CONTEXT_NOT_FOUND);
    const files = await attachmentIdsOf(deps.db, row.id);
    const cancelled = await retire(deps, row);
    return erased(deps, await eraseContext(deps.db, row.id), cancelled ? 1 : 0, files);
  },
});
