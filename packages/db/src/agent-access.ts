// Tickets and agent sessions. Tickets are exchanged at most once: the consuming UPDATE is the
// only place a ticket becomes a session, so two racing exchanges cannot both win.
import type { Db } from "./connection.ts";
import { newId, sha256 } from "./secrets.ts";
import { statement } from "./statements.ts";

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

export function insertTicket(db: Db, ticket: NewTicket, now: number): string {
  const id = newId("tkt");
  statement(
    db,
    `INSERT INTO agent_ticket (id, token_hash, agent_ids, session_type, context_group, issuer,
       created_at, expires_at, host_context, api_key_id, host_user_id, host_workspace_id,
       display_name, ui, return_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
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
  );
  return id;
}

/** The ticket a token names, used or not, expired or not; undefined when unknown. */
export function findTicket(db: Db, token: string): TicketRow | undefined {
  return statement<[string], TicketRow>(
    db,
    `SELECT ${TICKET_COLUMNS} FROM agent_ticket WHERE token_hash = ?`,
  ).get(sha256(token));
}

/**
 * Marks the ticket used if, at this instant, it is unused, unrevoked and unexpired, and returns it; returns
 * undefined otherwise. One conditional UPDATE: of two racing callers exactly one gets the row.
 */
export function consumeTicket(db: Db, token: string, now: number): TicketRow | undefined {
  return statement<[number, string, number], TicketRow>(
    db,
    `UPDATE agent_ticket SET consumed_at = ?
      WHERE token_hash = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?
      RETURNING ${TICKET_COLUMNS}`,
  ).get(now, sha256(token), now);
}

export interface NewAgentSession {
  token: string;
  ticket: TicketRow;
  /** signin sessions: the user and the sign-in (auth_session.id) that exchanged the ticket. */
  userId: string | null;
  signInId: string | null;
}

export function insertAgentSession(db: Db, session: NewAgentSession, now: number): AgentSessionRow {
  const { ticket } = session;
  return statement<unknown[], AgentSessionRow>(
    db,
    `INSERT INTO agent_session (id, token_hash, ticket_id, session_type, context_group, user_id,
       sign_in_id, agent_ids, created_at, expires_at, host_context, ui, return_url)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING ${SESSION_COLUMNS}`,
  ).get(
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
  )!;
}

/** The live (unrevoked, unexpired) agent session a cookie token names, if any. */
export function findLiveAgentSession(
  db: Db,
  token: string,
  now: number,
): AgentSessionRow | undefined {
  return statement<[string, number], AgentSessionRow>(
    db,
    `SELECT ${SESSION_COLUMNS} FROM agent_session
      WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`,
  ).get(sha256(token), now);
}

/** Revokes the session a cookie token names; a no-op for unknown or already revoked ones. */
export function revokeAgentSession(db: Db, token: string, now: number): void {
  statement(
    db,
    "UPDATE agent_session SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
  ).run(now, sha256(token));
}

/** The label the ticket behind an agent session was minted with, or null. */
export function ticketDisplayName(db: Db, ticketId: string): string | null {
  return (
    statement<[string], { display_name: string | null }>(
      db,
      "SELECT display_name FROM agent_ticket WHERE id = ?",
    ).get(ticketId)?.display_name ?? null
  );
}
