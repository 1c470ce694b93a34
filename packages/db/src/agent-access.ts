// Tickets and agent sessions. Tickets are exchanged at most once: the consuming UPDATE is the
// only place a ticket becomes a session, so two racing exchanges cannot both win.
import type { Db } from "./connection.ts";
import { newId, sha256 } from "./secrets.ts";
import { all, get, run } from "./sql.ts";

export type SessionType = "static" | "signin";

export interface TicketRow {
  id: string;
  agent_ids: string;
  session_type: SessionType;
  context_group: string | null;
  /** The host context as JSON, or null. */
  host_context: string | null;
  issuer: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** Set when revoking its API key or its host user's sign-ins ended it unused. */
  revoked_at: number | null;
  /** The label its backend gave it (who and what it is for), shown by the vanity page. */
  display_name: string | null;
  /** The UI settings (accent colour, density, locale...) as JSON, or null. */
  ui: string | null;
  /** The host app's address for "Return to the app", or null. */
  return_url: string | null;
}

export interface AgentSessionRow {
  id: string;
  ticket_id: string;
  session_type: SessionType;
  context_group: string | null;
  user_id: string | null;
  sign_in_id: string | null;
  agent_ids: string;
  /** The ticket's host context as JSON, or null. */
  host_context: string | null;
  /** The ticket's UI settings as JSON, or null. */
  ui: string | null;
  /** The ticket's return address, or null. */
  return_url: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface NewTicket {
  token: string;
  agentIds: readonly string[];
  sessionType: SessionType;
  contextGroup: string | null;
  /** The host context, already checked and serialized; null for none. */
  hostContext?: string | null;
  issuer: string;
  expiresAt: number;
  /** The API key that minted it (ticket.create, POST /session/tickets). */
  apiKeyId?: string | null;
  /** The host user it was minted for by the host app's own door (workspace.issueAgentTicket). */
  hostUserId?: string | null;
  /** The host workspace it was minted for, with `hostUserId`. */
  hostWorkspaceId?: string | null;
  displayName?: string | null;
  /** The UI settings, already checked and serialized; null for none. */
  ui?: string | null;
  /** The return address, already checked; null for none. */
  returnUrl?: string | null;
}

const TICKET_COLUMNS =
  "id, agent_ids, session_type, context_group, host_context, issuer, created_at, expires_at, consumed_at, revoked_at, display_name, ui, return_url";
const SESSION_COLUMNS =
  "id, ticket_id, session_type, context_group, user_id, sign_in_id, agent_ids, host_context, ui, return_url, created_at, expires_at, revoked_at";

export async function insertTicket(db: Db, ticket: NewTicket, now: number): Promise<string> {
  const id = newId("tkt");
  await run(
    db,
    `INSERT INTO agent_ticket (id, token_hash, agent_ids, session_type, context_group, issuer,
       created_at, expires_at, host_context, api_key_id, host_user_id, host_workspace_id,
       display_name, ui, return_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      sha256(ticket.token),
      JSON.stringify(ticket.agentIds),
      ticket.sessionType,
      ticket.contextGroup,
      ticket.issuer,
      now,
      ticket.expiresAt,
      ticket.hostContext ?? null,
      ticket.apiKeyId ?? null,
      ticket.hostUserId ?? null,
      ticket.hostWorkspaceId ?? null,
      ticket.displayName ?? null,
      ticket.ui ?? null,
      ticket.returnUrl ?? null,
    ],
  );
  return id;
}

/** The ticket a token names, used or not, expired or not; undefined when unknown. */
export function findTicket(db: Db, token: string): Promise<TicketRow | undefined> {
  return get<TicketRow>(db, `SELECT ${TICKET_COLUMNS} FROM agent_ticket WHERE token_hash = ?`, [
    sha256(token),
  ]);
}

/**
 * Marks the ticket used if, at this instant, it is unused, unrevoked and unexpired, and returns it; returns
 * undefined otherwise. One conditional UPDATE: of two racing callers exactly one gets the row.
 */
export function consumeTicket(db: Db, token: string, now: number): Promise<TicketRow | undefined> {
  return get<TicketRow>(
    db,
    `UPDATE agent_ticket SET consumed_at = ?
      WHERE token_hash = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?
      RETURNING ${TICKET_COLUMNS}`,
    [now, sha256(token), now],
  );
}

export interface NewAgentSession {
  token: string;
  ticket: TicketRow;
  /** signin sessions: the user and the sign-in (auth_session.id) that exchanged the ticket. */
  userId: string | null;
  signInId: string | null;
}

export async function insertAgentSession(
  db: Db,
  session: NewAgentSession,
  now: number,
): Promise<AgentSessionRow> {
  const { ticket } = session;
  const row = await get<AgentSessionRow>(
    db,
    `INSERT INTO agent_session (id, token_hash, ticket_id, session_type, context_group, user_id,
       sign_in_id, agent_ids, created_at, expires_at, host_context, ui, return_url)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING ${SESSION_COLUMNS}`,
    [
      newId("ags"),
      sha256(session.token),
      ticket.id,
      ticket.session_type,
      ticket.session_type === "static" ? ticket.context_group : null,
      session.userId,
      session.signInId,
      ticket.agent_ids,
      now,
      ticket.expires_at,
      ticket.host_context,
      ticket.ui,
      ticket.return_url,
    ],
  );
  return row!;
}

/** The live (unrevoked, unexpired) agent session a cookie token names, if any. */
export function findLiveAgentSession(
  db: Db,
  token: string,
  now: number,
): Promise<AgentSessionRow | undefined> {
  return get<AgentSessionRow>(
    db,
    `SELECT ${SESSION_COLUMNS} FROM agent_session
      WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`,
    [sha256(token), now],
  );
}

/**
 * What the re-check of open event streams reads of an agent session: its own end, and for a
 * signin session the sign-in behind it (null when that sign-in no longer exists).
 */
export interface AgentSessionState {
  id: string;
  session_type: SessionType;
  user_id: string | null;
  expires_at: number;
  revoked_at: number | null;
  sign_in_user_id: string | null;
  sign_in_expires_at: number | null;
  sign_in_created_at: number | null;
}

/** Session ids per statement of `agentSessionStates`: each statement's one parameter is bounded. */
export const SESSION_STATES_PER_STATEMENT = 500;

/**
 * The state of each agent session in `ids` that exists (live or not), with its sign-in: one
 * statement per `SESSION_STATES_PER_STATEMENT` ids, whatever the number of ids.
 */
export async function agentSessionStates(
  db: Db,
  ids: readonly string[],
): Promise<AgentSessionState[]> {
  const states: AgentSessionState[] = [];
  for (let start = 0; start < ids.length; start += SESSION_STATES_PER_STATEMENT) {
    const chunk = ids.slice(start, start + SESSION_STATES_PER_STATEMENT);
    const rows = await all<AgentSessionState>(
      db,
      `SELECT a.id, a.session_type, a.user_id, a.expires_at, a.revoked_at,
              s.user_id AS sign_in_user_id, s.expires_at AS sign_in_expires_at,
              s.created_at AS sign_in_created_at
         FROM agent_session a LEFT JOIN auth_session s ON s.id = a.sign_in_id
        WHERE a.id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(chunk)],
    );
    for (const row of rows) states.push(row);
  }
  return states;
}

/** Revokes the session a cookie token names; a no-op for unknown or already revoked ones. */
export async function revokeAgentSession(db: Db, token: string, now: number): Promise<void> {
  await run(
    db,
    "UPDATE agent_session SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
    [now, sha256(token)],
  );
}

/** The label the ticket behind an agent session was minted with, or null. */
export async function ticketDisplayName(db: Db, ticketId: string): Promise<string | null> {
  const row = await get<{ display_name: string | null }>(
    db,
    "SELECT display_name FROM agent_ticket WHERE id = ?",
    [ticketId],
  );
  return row?.display_name ?? null;
}
