// Contexts (conversations) and the tenant rule that guards them: a context is reachable only
// from a scope whose group is the context's group and whose agent set holds the context's agent.
// That rule lives in the SQL below and nowhere else; every other read or write of a context's
// messages, runs, events and approvals starts from a row that `findContext` returned.
import { type Db, dialectOf } from "./connection.ts";
import { all, get, run } from "./sql.ts";

/** Who is asking: the caller's context group and the agents its session may use. */
export interface AgentScope {
  contextGroup: string;
  agentIds: readonly string[];
}

export type ContextStatus = "idle" | "running" | "waiting_for_approval" | "waiting_for_input";

export interface ContextRow {
  id: string;
  context_group: string;
  agent_id: string;
  title: string;
  status: ContextStatus;
  /**
   * 1 while the title was made by the engine (the placeholder, then the first message's first
   * words) and the model has not named the conversation yet; 0 once the model named it or the
   * user gave a title, which nothing then overwrites.
   */
  auto_title: 0 | 1;
  last_seq: number;
  created_at: number;
  updated_at: number;
  last_activity_at: number;
  deleted_at: number | null;
}

const COLUMNS = `id, context_group, agent_id, title, status, auto_title, last_seq, created_at,
  updated_at, last_activity_at, deleted_at`;

/**
 * The tenant rule, with named parameters :group and :agents (a JSON array of agent ids). Every
 * query that reaches a context for a caller holds it (findContext, listContexts); json_each is
 * PostgreSQL's json_array_elements_text there (sql.ts).
 */
const IN_SCOPE = inScope("context");

/** The tenant rule for the context table under `alias`, for a query that joins other tables. */
export function inScope(alias: string): string {
  return `${alias}.context_group = :group
  AND ${alias}.agent_id IN (SELECT value FROM json_each(:agents))
  AND ${alias}.deleted_at IS NULL`;
}

/** The values of the tenant rule's named parameters. */
export function scopeParams(scope: AgentScope) {
  return { group: scope.contextGroup, agents: JSON.stringify(scope.agentIds) };
}

/** The context `id` if `scope` may reach it, else undefined (whether or not it exists). */
export function findContext(
  db: Db,
  scope: AgentScope,
  id: string,
): Promise<ContextRow | undefined> {
  return get<ContextRow>(db, `SELECT ${COLUMNS} FROM context WHERE id = :id AND ${IN_SCOPE}`, {
    id,
    ...scopeParams(scope),
  });
}

export interface ListContextsQuery {
  /** Start after this position of the order (last activity, then id, both descending). */
  after?: { lastActivityAt: number; id: string };
  limit: number;
  /** Substring of the title, matched literally (case-insensitive for ASCII). */
  search?: string;
  status?: ContextStatus;
  agentId?: string;
}

/** Escapes LIKE's wildcards so that a search for "50%" or "a_b" means those characters. */
function likeLiteral(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
const LIST_FILTERS = `${IN_SCOPE}
  AND (CAST(:search AS text) IS NULL OR lower(title) LIKE lower(CAST(:search AS text)) ESCAPE '\\')
  AND (CAST(:status AS text) IS NULL OR status = :status)
  AND (CAST(:agentId AS text) IS NULL OR agent_id = :agentId)`;
const LIST_ORDER = "ORDER BY last_activity_at DESC, id DESC LIMIT :limit";

// Two statements rather than one with `:afterAt IS NULL OR ...`: that OR keeps SQLite from using
// the cursor as an index bound, so a deep page walked the group's index from the top down to
// the cursor. As a row-value comparison, the cursor starts the index range: every page costs
// what the first one does.
const FIRST_PAGE = `SELECT ${COLUMNS} FROM context WHERE ${LIST_FILTERS} ${LIST_ORDER}`;
const PAGE_AFTER = `SELECT ${COLUMNS} FROM context
  WHERE ${LIST_FILTERS} AND (last_activity_at, id) < (:afterAt, :afterId) ${LIST_ORDER}`;

/** The contexts `scope` may reach, most recently active first, a page at a time. */
export function listContexts(
  db: Db,
  scope: AgentScope,
  query: ListContextsQuery,
): Promise<ContextRow[]> {
  const params: Record<string, unknown> = {
    ...scopeParams(scope),
    search: query.search ? likeLiteral(query.search) : null,
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

export interface NewContext {
  id: string;
  contextGroup: string;
  agentId: string;
  title: string;
  autoTitle: boolean;
  now: number;
}

export async function insertContext(db: Db, context: NewContext): Promise<void> {
  await run(
    db,
    `INSERT INTO context (id, context_group, agent_id, title, auto_title, created_at, updated_at,
       last_activity_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      context.id,
      context.contextGroup,
      context.agentId,
      context.title,
      context.autoTitle ? 1 : 0,
      context.now,
      context.now,
      context.now,
    ],
  );
}

/** A context as `claimIdleContext` left it. */
export interface ClaimedContext extends ContextRow {
  /**
   * The context had auto_title and no user message yet: the message of the turn that claimed it
   * is its first (the claim gave it `firstTitle` if one was given).
   */
  firstMessage: boolean;
}

/** The context has auto_title and no user message yet (`context` is the row's alias). */
const AWAITS_FIRST_MESSAGE = `context.auto_title = 1 AND NOT EXISTS
  (SELECT 1 FROM message WHERE message.context_id = context.id AND message.role = 'user')`;

/**
 * Moves the context `id` from idle to running if `scope` may reach it (the tenant rule, in the
 * same statement), so that of two racing calls exactly one gets it. Returns the row as the move
 * left it; undefined when it did not move: not in the scope (or not there), or not idle (tell
 * these apart with findContext). The UPDATE locks the row until the transaction ends.
 * `firstTitle`, the title a first message gives (`setFirstMessageTitle`), is set by the same
 * statement if the turn's message is the context's first.
 */
export async function claimIdleContext(
  db: Db,
  scope: AgentScope,
  id: string,
  now: number,
  firstTitle?: string,
): Promise<ClaimedContext | undefined> {
  const row = await get<ContextRow & { first_message: boolean | number }>(
    db,
    `UPDATE context SET status = 'running', updated_at = :now,
        title = CASE WHEN CAST(:title AS text) IS NOT NULL AND ${AWAITS_FIRST_MESSAGE}
                THEN :title ELSE title END
      WHERE id = :id AND status = 'idle' AND ${IN_SCOPE}
      RETURNING ${COLUMNS}, ${AWAITS_FIRST_MESSAGE} AS first_message`,
    { id, now, title: firstTitle ?? null, ...scopeParams(scope) },
  );
  if (!row) return undefined;
  const { first_message, ...context } = row;
  return { ...context, firstMessage: Boolean(first_message) };
}

/** A context's title and status as a change left them (what `context.updated` tells). */
export interface ContextState {
  title: string;
  status: ContextStatus;
}

/**
 * Moves a context from one of the `from` statuses to `to` in one conditional UPDATE, so that of
 * two racing callers (in this process or another) exactly one succeeds. Returns the context's
 * title and status after the move, from the same statement, or undefined if it did not move.
 */
export function moveContext(
  db: Db,
  id: string,
  from: readonly ContextStatus[],
  to: ContextStatus,
  now: number,
): Promise<ContextState | undefined> {
  return get<ContextState>(
    db,
    `UPDATE context SET status = ?, updated_at = ?
      WHERE id = ? AND status IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL
      RETURNING title, status`,
    [to, now, id, JSON.stringify(from)],
  );
}

/** moveContext, when only whether it moved matters. */
export async function changeContextStatus(
  db: Db,
  id: string,
  from: readonly ContextStatus[],
  to: ContextStatus,
  now: number,
): Promise<boolean> {
  return (await moveContext(db, id, from, to, now)) !== undefined;
}

/** Sets the title; `autoTitle` says whether the model may still replace it (see auto_title). */
export async function setContextTitle(
  db: Db,
  id: string,
  title: string,
  autoTitle: boolean,
  now: number,
): Promise<void> {
  await run(db, "UPDATE context SET title = ?, auto_title = ?, updated_at = ? WHERE id = ?", [
    title,
    autoTitle ? 1 : 0,
    now,
    id,
  ]);
}

/**
 * The title made from the first user message: set only while the title is the engine's own
 * (auto_title = 1) and the context has no user message yet, checked in the same statement.
 * Returns whether it was set, that is, whether the message about to be added is the first.
 */
export async function setFirstMessageTitle(
  db: Db,
  id: string,
  title: string,
  now: number,
): Promise<boolean> {
  const changed = await run(
    db,
    `UPDATE context SET title = ?, updated_at = ?
      WHERE id = ? AND auto_title = 1
        AND NOT EXISTS (SELECT 1 FROM message WHERE context_id = ? AND role = 'user')`,
    [title, now, id, id],
  );
  return changed === 1;
}

/**
 * The model's title, only if the title is still the engine's own (auto_title = 1): a title the
 * user gave meanwhile wins. Returns the context's title and status once set, from the same
 * statement, or undefined if it was not set.
 */
export function setModelTitle(
  db: Db,
  id: string,
  title: string,
  now: number,
): Promise<ContextState | undefined> {
  return get<ContextState>(
    db,
    `UPDATE context SET title = ?, auto_title = 0, updated_at = ? WHERE id = ? AND auto_title = 1
      RETURNING title, status`,
    [title, now, id],
  );
}

export async function softDeleteContext(db: Db, id: string, now: number): Promise<void> {
  await run(
    db,
    "UPDATE context SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
    [now, now, id],
  );
}

/**
 * A context by id alone, without the tenant rule: for the run engine's own bookkeeping only
 * (a run driver's context group, `context.updated` events, start-up recovery), on ids that
 * came from a caller already checked through findContext, or from no caller at all. Never
 * for an id a caller sent.
 */
export function getContextById(db: Db, id: string): Promise<ContextRow | undefined> {
  return get<ContextRow>(db, `SELECT ${COLUMNS} FROM context WHERE id = ?`, [id]);
}

/**
 * Which of `ids` name contexts that exist and are not deleted: the run engine's own check, after
 * missed notifications, of the contexts it has event streams open on. Same caveat as
 * getContextById: never for ids a caller sent.
 */
export async function liveContextIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await all<{ id: string }>(
    db,
    "SELECT id FROM context WHERE id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL",
    [JSON.stringify(ids)],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Locks the context's row until the transaction `tx` ends (PostgreSQL: SELECT … FOR UPDATE), so
 * that commits to one context from several instances run one after the other and number their
 * events in that order. SQLite needs no lock: its write transactions already run one at a time.
 */
export async function lockContext(tx: Db, id: string): Promise<void> {
  if (dialectOf(tx) === "postgres") {
    await get(tx, "SELECT id FROM context WHERE id = ? FOR UPDATE", [id]);
  }
}

/** Contexts left busy although no run of theirs is unfinished (only a crash leaves these). */
export function listStrandedContexts(db: Db): Promise<ContextRow[]> {
  return all<ContextRow>(
    db,
    `SELECT ${COLUMNS} FROM context c
      WHERE status <> 'idle'
        AND NOT EXISTS (SELECT 1 FROM run r WHERE r.context_id = c.id AND r.status = c.status)`,
  );
}
