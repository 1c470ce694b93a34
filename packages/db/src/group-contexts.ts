// A context group as the host's backend sees it (the host API, /v1): every conversation of the
// group whatever its agent, and the erasure of a conversation or of the whole group. The tenant
// rule here is the group alone, in the SQL of each function; the key that calls has already
// been checked for its scope.
import type { Db } from "./connection.ts";
import type { ContextRow, ContextStatus } from "./contexts.ts";
import { all, get, run, transaction } from "./sql.ts";

const COLUMNS = `id, context_group, agent_id, title, status, auto_title, last_seq, created_at,
  updated_at, last_activity_at, deleted_at`;

export interface GroupContextsQuery {
  /** Start after this position of the order (last activity, then id, both descending). */
  after?: { lastActivityAt: number; id: string };
  limit: number;
  status?: ContextStatus;
  agentId?: string;
}

const FILTERS = `context_group = :group AND deleted_at IS NULL
  AND (CAST(:status AS text) IS NULL OR status = :status)
  AND (CAST(:agentId AS text) IS NULL OR agent_id = :agentId)`;
const ORDER = "ORDER BY last_activity_at DESC, id DESC LIMIT :limit";
// Two statements for the reason given in contexts.ts: the cursor must bound the index range.
const FIRST_PAGE = `SELECT ${COLUMNS} FROM context WHERE ${FILTERS} ${ORDER}`;
const PAGE_AFTER = `SELECT ${COLUMNS} FROM context
  WHERE ${FILTERS} AND (last_activity_at, id) < (:afterAt, :afterId) ${ORDER}`;

/** The group's conversations (not deleted), most recently active first, a page at a time. */
export function listGroupContexts(
  db: Db,
  group: string,
  query: GroupContextsQuery,
): Promise<ContextRow[]> {
  const params: Record<string, unknown> = {
    group,
    status: query.status ?? null,
    agentId: query.agentId ?? null,
    limit: query.limit,
  };
  if (query.after) {
    params.afterAt = query.after.lastActivityAt;
    params.afterId = query.after.id;
  }
  return all<ContextRow>(db, query.after ? PAGE_AFTER : FIRST_PAGE, params);
}

/** A conversation by id, deleted or not: the host may read only live ones but erase any. */
export function findAnyContext(db: Db, id: string): Promise<ContextRow | undefined> {
  return get<ContextRow>(db, `SELECT ${COLUMNS} FROM context WHERE id = ?`, [id]);
}

/** Every conversation of the group, deleted ones included. */
export function contextsOfGroup(db: Db, group: string): Promise<ContextRow[]> {
  return all<ContextRow>(
    db,
    `SELECT ${COLUMNS} FROM context WHERE context_group = ? ORDER BY created_at, id`,
    [group],
  );
}

/** What an erasure removed, row counts per kind. */
export interface ErasedCounts {
  contexts: number;
  messages: number;
  events: number;
  runs: number;
  /** Ratings of messages (good or bad, with their comments). */
  feedback: number;
  tool_grants: number;
  agent_sessions: number;
  tickets: number;
  /** Attached files (their rows; the caller removes the bytes a folder store keeps). */
  files: number;
}

/** An erasure's counts, and the attachments whose bytes the caller removes after it. */
export interface Erasure {
  counts: ErasedCounts;
  attachmentIds: string[];
}

function emptyCounts(): ErasedCounts {
  return {
    contexts: 0,
    messages: 0,
    events: 0,
    runs: 0,
    feedback: 0,
    tool_grants: 0,
    agent_sessions: 0,
    tickets: 0,
    files: 0,
  };
}

/** The ids of a conversation's attachments (sent or not). */
export async function attachmentIdsOf(db: Db, contextId: string): Promise<string[]> {
  const rows = await all<{ id: string }>(db, "SELECT id FROM attachment WHERE context_id = ?", [
    contextId,
  ]);
  return rows.map((row) => row.id);
}

/** Deletes one conversation and everything written under it. Run it in a transaction. */
async function eraseContextRows(db: Db, id: string, erasure: Erasure): Promise<void> {
  const { counts } = erasure;
  // The attachment rows go with the context (ON DELETE CASCADE); their ids are kept for the
  // store, since a folder store's files outlive the rows.
  const files = await attachmentIdsOf(db, id);
  erasure.attachmentIds.push(...files);
  counts.files += files.length;
  counts.feedback += await run(db, "DELETE FROM message_feedback WHERE context_id = ?", [id]);
  counts.events += await run(db, "DELETE FROM context_event WHERE context_id = ?", [id]);
  counts.messages += await run(db, "DELETE FROM message WHERE context_id = ?", [id]);
  counts.runs += await run(db, "DELETE FROM run WHERE context_id = ?", [id]);
  counts.contexts += await run(db, "DELETE FROM context WHERE id = ?", [id]);
}

/** Erases one conversation (its messages, their ratings, events, runs and attachments), in one transaction. */
export async function eraseContext(db: Db, id: string): Promise<Erasure> {
  const erasure: Erasure = { counts: emptyCounts(), attachmentIds: [] };
  await transaction(db, (tx) => eraseContextRows(tx, id, erasure));
  return erasure;
}

/**
 * Erases everything the group owns: its conversations with their messages, events and runs,
 * its "allow always" grants, its static agent sessions and the tickets they came from. Runs
 * `before` inside the same transaction with the conversations about to go (for the outbox).
 */
export async function eraseGroup(
  db: Db,
  group: string,
  before: (tx: Db, contexts: ContextRow[]) => Promise<void> | void = () => {},
): Promise<Erasure> {
  const erasure: Erasure = { counts: emptyCounts(), attachmentIds: [] };
  const { counts } = erasure;
  await transaction(db, async (tx) => {
    const contexts = await contextsOfGroup(tx, group);
    await before(tx, contexts);
    for (const context of contexts) await eraseContextRows(tx, context.id, erasure);
    counts.tool_grants = await run(tx, "DELETE FROM tool_grant WHERE context_group = ?", [group]);
    counts.agent_sessions = await run(
      tx,
      `DELETE FROM agent_session WHERE context_group = ?
         OR ticket_id IN (SELECT id FROM agent_ticket WHERE context_group = ?)`,
      [group, group],
    );
    counts.tickets = await run(tx, "DELETE FROM agent_ticket WHERE context_group = ?", [group]);
  });
  return erasure;
}

/** Ends the group's static agent sessions at once (erasure does this before cancelling runs). */
export function revokeGroupSessions(db: Db, group: string, now: number): Promise<number> {
  return run(
    db,
    "UPDATE agent_session SET revoked_at = ? WHERE context_group = ? AND revoked_at IS NULL",
    [now, group],
  );
}
