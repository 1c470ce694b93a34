// Agent sessions: what a browser gets for a ticket. The session is named by the HttpOnly
// `agent_session` cookie; the database keeps only the token's hash.
import type { HostContext } from "@agent-access/agents";
import { readCookie, secureCookies, signInEndsAt } from "@agent-access/auth";
import {
  type AgentSessionRow,
  type AgentSessionState,
  consumeTicket,
  type Db,
  findLiveAgentSession,
  findTicket,
  insertAgentSession,
  newSecret,
  revokeAgentSession,
  type SessionType,
  sha256,
  type TicketRow,
  ticketDisplayName,
  transaction,
} from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import type { AgentInfo, RequestContext } from "./context.ts";
import { type CookieOptions, serializeCookie } from "./cookies.ts";
import { type AgentUi, parseTicketUi } from "./ticket-ui.ts";

export const AGENT_SESSION_COOKIE = "agent_session";
const SESSION_PREFIX = "aas_";

/** What the browser may know of its agent session. */
export interface AgentSessionInfo {
  /** The session's public id (not the cookie's secret): pages bind to it (`x-agent-session`). */
  sessionId: string;
  sessionType: SessionType;
  contextGroup: string;
  agents: AgentInfo[];
  /** What the app's backend put in the ticket (`{}` when nothing): for the UI to read only. */
  hostContext: HostContext;
  expiresAt: number;
  /** The label its ticket was minted with ("Acme · Ada Lovelace"), or null. */
  displayName: string | null;
  /** How the app asked the UI to look (accent colour, density, locale...): `{}` when it did not. */
  ui: AgentUi;
  /** Where "Return to the app" leads, as the ticket set it, or null. */
  returnUrl: string | null;
}

/** The session as procedures see it (`ctx.agentSession` in agentProcedure). */
export interface AgentSession {
  id: string;
  sessionType: SessionType;
  contextGroup: string;
  agentIds: readonly string[];
  hostContext: HostContext;
  ui: AgentUi;
  returnUrl: string | null;
  expiresAt: number;
  ticketId: string;
}

function sessionToken(ctx: RequestContext): string | null {
  return readCookie(ctx.req.headers.get("cookie"), AGENT_SESSION_COOKIE);
}

/** What one look-up of a request's agent session found: the live row, or none (undefined). */
export interface AgentSessionLookup {
  row: AgentSessionRow | undefined;
}

/**
 * Looks up the live agent session that a Cookie header's `agent_session` names, at `now`: one
 * statement, or none without the cookie. A request makes one such look-up, shared by whatever
 * checks its session (the event stream's slot, the procedure's middleware, session.preview).
 */
export async function lookUpAgentSession(
  db: Db,
  cookieHeader: string | null,
  now: number,
): Promise<AgentSessionLookup> {
  const token = readCookie(cookieHeader, AGENT_SESSION_COOKIE);
  return { row: token ? await findLiveAgentSession(db, token, now) : undefined };
}

function unauthorized(message: string): TRPCError {
  return new TRPCError({ code: "UNAUTHORIZED", message });
}

/** The group a signin session works in: derived from the user, never stored. */
export function signinContextGroup(userId: string): string {
  return `user:${userId}`;
}

/**
 * What the browser may know of `session`. `displayName` is its ticket's label when the caller
 * already holds the ticket's row (an exchange); otherwise it is read from the ticket.
 */
async function describe(
  ctx: RequestContext,
  session: AgentSession,
  displayName?: string | null,
): Promise<AgentSessionInfo> {
  return {
    sessionId: session.id,
    sessionType: session.sessionType,
    contextGroup: session.contextGroup,
    agents: agentInfos(ctx, session.agentIds),
    hostContext: session.hostContext,
    expiresAt: session.expiresAt,
    displayName:
      displayName !== undefined ? displayName : await ticketDisplayName(ctx.db, session.ticketId),
    ui: session.ui,
    returnUrl: session.returnUrl,
  };
}

/**
 * The agent session cookie's flags: partitioned for a cross-site frame when FRAME_ANCESTORS
 * names any origin, else SameSite=Lax (Secure outside localhost).
 */
function sessionCookieOptions(ctx: RequestContext, expiresAt: number): CookieOptions {
  return {
    expiresAt,
    now: ctx.now(),
    secure: secureCookies(ctx.config.publicUrl),
    partitioned: (ctx.config.frameAncestors?.length ?? 0) > 0,
  };
}

function setSessionCookie(ctx: RequestContext, token: string, expiresAt: number): void {
  ctx.resHeaders.append(
    "Set-Cookie",
    serializeCookie(AGENT_SESSION_COOKIE, token, sessionCookieOptions(ctx, expiresAt)),
  );
}

/** Whether `ticket` names a ticket that is unused and unexpired now (a look, not a use). */
export async function isExchangeable(ctx: RequestContext, ticket: string): Promise<boolean> {
  const found = await findTicket(ctx.db, ticket);
  return (
    found !== undefined &&
    found.consumed_at === null &&
    found.revoked_at === null &&
    found.expires_at > ctx.now()
  );
}

/** The ticket `ticket` names if it can be exchanged now; UNAUTHORIZED saying why otherwise. */
async function usableTicket(ctx: RequestContext, ticket: string): Promise<TicketRow> {
  const found = await findTicket(ctx.db, ticket);
  if (!found) throw unauthorized("ticket not recognised: ask your app for a new one");
  if (found.consumed_at !== null)
    throw unauthorized("ticket already used: ask your app for a new one");
  if (found.revoked_at !== null) {
    throw unauthorized("ticket revoked (its key or sign-in has ended): ask your app for a new one");
  }
  if (found.expires_at <= ctx.now()) {
    throw unauthorized("ticket expired: ask your app for a new one");
  }
  return found;
}

/** What a ticket offers, before it is exchanged (session.preview). */
export interface TicketOffer {
  displayName: string | null;
  sessionType: SessionType;
  /** The group it works in: the static group, or the signed-in user's (null when signed out). */
  contextGroup: string | null;
  agents: AgentInfo[];
  expiresAt: number;
}

export interface TicketPreview {
  offered: TicketOffer;
  /** The live agent session the browser holds now, if any. */
  current: AgentSessionInfo | null;
  /**
   * Exchanging would replace a live session of another context group: the page must show both
   * and exchange with `confirmReplace` only once the user chose to switch.
   */
  needsConfirmation: boolean;
}

function agentInfos(ctx: RequestContext, agentIds: readonly string[]): AgentInfo[] {
  return agentIds.flatMap((id) => {
    const agent = ctx.agents.get(id);
    return agent
      ? [
          {
            id: agent.id,
            name: agent.name,
            description: agent.description,
            starterPrompts: [...(agent.starterPrompts ?? [])],
          },
        ]
      : [];
  });
}

/** What exchanging `ticket` would do, without exchanging it. */
export async function previewTicket(ctx: RequestContext, ticket: string): Promise<TicketPreview> {
  const found = await usableTicket(ctx, ticket);
  const signIn = found.session_type === "signin" ? await ctx.getSignIn() : null;
  const contextGroup =
    found.session_type === "static"
      ? found.context_group
      : signIn
        ? signinContextGroup(signIn.user.id)
        : null;
  const check = await checkAgentSession(ctx);
  const current = check.status === "valid" ? await describe(ctx, check.session) : null;
  return {
    offered: {
      displayName: found.display_name,
      sessionType: found.session_type,
      contextGroup,
      agents: agentInfos(ctx, JSON.parse(found.agent_ids) as string[]),
      expiresAt: found.expires_at,
    },
    current,
    needsConfirmation: current !== null && current.contextGroup !== contextGroup,
  };
}

export interface ExchangeOptions {
  /**
   * Replace a live session of another context group. Without it such an exchange is refused
   * with CONFLICT, leaving both the ticket and the old session as they were: a link planted on
   * a user (fixation) must not silently move what they type into someone else's group.
   */
  confirmReplace?: boolean;
}

/**
 * Exchanges a ticket for an agent session: consumes the ticket (once, atomically), revokes the
 * session the browser's previous cookie named, and sets the new cookie.
 */
export async function exchangeTicket(
  ctx: RequestContext,
  ticket: string,
  options: ExchangeOptions = {},
): Promise<AgentSessionInfo> {
  const now = ctx.now();
  const found = await usableTicket(ctx, ticket);

  // A signin ticket binds the session to this browser's sign-in; without one the ticket is
  // left unused, so the user can sign in and open the same link again.
  const signIn = found.session_type === "signin" ? await ctx.getSignIn() : null;
  if (found.session_type === "signin" && !signIn) {
    throw unauthorized("sign in first, then open the agent again");
  }

  if (!options.confirmReplace) {
    const check = await checkAgentSession(ctx);
    const offeredGroup =
      found.session_type === "static" ? found.context_group : signinContextGroup(signIn!.user.id);
    if (check.status === "valid" && check.session.contextGroup !== offeredGroup) {
      throw new TRPCError({
        code: "CONFLICT",
        message:
          "this browser holds a live agent session of another context group: show the user both and exchange with confirmReplace once they choose to switch",
      });
    }
  }

  const token = newSecret(SESSION_PREFIX);
  const previous = sessionToken(ctx);
  const exchanged = await transaction(ctx.db, async (tx) => {
    const consumed = await consumeTicket(tx, ticket, now);
    if (!consumed) return null;
    if (previous) await revokeAgentSession(tx, previous, now);
    const session = await insertAgentSession(
      tx,
      {
        token,
        ticket: consumed,
        userId: signIn?.user.id ?? null,
        signInId: signIn ? sha256(signIn.sessionId) : null,
      },
      now,
    );
    return { session, displayName: consumed.display_name };
  });
  // Another exchange of the same ticket won the race between the look-up and the update.
  if (!exchanged) throw unauthorized("ticket already used: ask your app for a new one");

  const { session, displayName } = exchanged;
  setSessionCookie(ctx, token, session.expires_at);
  return await describe(ctx, toSession(session, signIn?.user.id ?? null), displayName);
}

function toSession(row: AgentSessionRow, userId: string | null): AgentSession {
  return {
    id: row.id,
    sessionType: row.session_type,
    contextGroup: row.session_type === "static" ? row.context_group! : signinContextGroup(userId!),
    agentIds: JSON.parse(row.agent_ids) as string[],
    hostContext: row.host_context ? (JSON.parse(row.host_context) as HostContext) : {},
    ui: parseTicketUi(row.ui),
    returnUrl: row.return_url,
    expiresAt: row.expires_at,
    ticketId: row.ticket_id,
  };
}

export type AgentSessionCheck =
  | { status: "valid"; session: AgentSession }
  | { status: "none" | "ended" | "signed-out" | "replaced" };

/**
 * The browser's agent session, checked on every request: live in the database, the one the page
 * is bound to (if it says), and, for signin sessions, still backed by the same sign-in that
 * exchanged the ticket. The database is read once per request (`ctx.agentSessionRow`), however
 * many times the request checks. An open event stream is then re-checked by `judgeSessionState`.
 */
export async function checkAgentSession(ctx: RequestContext): Promise<AgentSessionCheck> {
  if (!sessionToken(ctx)) return { status: "none" };
  const { row } = await ctx.agentSessionRow();
  if (!row) return { status: "ended" };
  if (ctx.expectedAgentSession !== null && ctx.expectedAgentSession !== row.id) {
    return { status: "replaced" };
  }
  if (row.session_type === "static") return { status: "valid", session: toSession(row, null) };
  const signIn = await ctx.getSignIn();
  if (!signIn || signIn.user.id !== row.user_id || sha256(signIn.sessionId) !== row.sign_in_id) {
    return { status: "signed-out" };
  }
  return { status: "valid", session: toSession(row, signIn.user.id) };
}

/**
 * Whether a session that was valid when its event stream opened still is, from its stored state
 * (agentSessionStates; undefined when its row is gone): the re-check of open streams. The cookie
 * and the page's binding cannot change during a stream, so what can change is the session's own
 * end (revoked, which includes replaced by a newer exchange in the browser, or expired) and, for
 * a signin session, the sign-in behind it (signed out, everywhere or here, or expired), as
 * `checkAgentSession` judges them with a fresh look-up. It reads; it renews nothing.
 */
export function judgeSessionState(
  state: AgentSessionState | undefined,
  now: number,
): "valid" | "ended" | "signed-out" {
  if (!state || state.revoked_at !== null || state.expires_at <= now) return "ended";
  if (state.session_type === "static") return "valid";
  if (
    state.sign_in_user_id === null ||
    state.sign_in_user_id !== state.user_id ||
    signInEndsAt({ expiresAt: state.sign_in_expires_at!, createdAt: state.sign_in_created_at! }) <=
      now
  ) {
    return "signed-out";
  }
  return "valid";
}

/** Refusal messages for a request without a usable agent session. */
export const NO_SESSION_MESSAGES = {
  none: "no agent session: open the agent from your app",
  ended: "agent session expired or ended: open the agent from your app again",
  "signed-out": "the sign-in behind this agent session has ended: sign in and open the agent again",
  replaced:
    "this agent session was replaced by a newer one in this browser: open the agent from your app again",
} as const;

export async function describeSession(
  ctx: RequestContext,
  session: AgentSession,
): Promise<AgentSessionInfo> {
  return await describe(ctx, session);
}

/** Ends the browser's agent session and clears its cookie. */
export async function endAgentSession(ctx: RequestContext): Promise<void> {
  const token = sessionToken(ctx);
  if (token) await revokeAgentSession(ctx.db, token, ctx.now());
  ctx.resHeaders.append(
    "Set-Cookie",
    serializeCookie(AGENT_SESSION_COOKIE, "", sessionCookieOptions(ctx, 0)),
  );
}
