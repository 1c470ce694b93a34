// Minting agent_access tickets: the one service behind POST /session/tickets, ticket.create and
// workspace.issueAgentTicket. The request shape is the reference page's, in snake_case.
import { type ApiKeyRow, insertTicket, newSecret } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { ApiConfig, RequestContext } from "./context.ts";
import {
  type ContextGroupRule,
  contextGroupProblem,
  serverContextGroupRule,
} from "./context-groups.ts";
import { hostContextSchema, serializeHostContext } from "./host-context.ts";
import {
  checkReturnUrl,
  RETURN_URL_MAX_LENGTH,
  serializeTicketUi,
  ticketUiSchema,
} from "./ticket-ui.ts";

export const TICKET_PREFIX = "aat_";
/** Ticket lifetime bounds, in seconds: 30 s to 24 h, 30 minutes unless asked otherwise. */
export const EXPIRES_IN = { min: 30, max: 86_400, default: 1800 } as const;
export const DISPLAY_NAME_MAX_LENGTH = 120;

/**
 * The request's shape. Types only: rules about meaning (known agents, the context group format,
 * the lifetime bounds) are checked by `mintTicket`, so that REST can tell 400 from 422.
 */
export const ticketRequestSchema = z.object({
  ticket_type: z.literal("agent_access"),
  agent_ids: z.array(z.string().max(128)).max(32),
  agent_session_identifier: z.enum(["static", "signin"]),
  context_group: z.string().max(4096).nullish(),
  expires_in: z.number().int().optional(),
  /**
   * A label for people: who and what the ticket is for ("Acme · Ada Lovelace"). The vanity page
   * shows it, so that a user can tell their own agent from one a link planted on them.
   */
  display_name: z.string().max(DISPLAY_NAME_MAX_LENGTH).nullish(),
  /**
   * Host context for the agents: a JSON object of at most 8 KB (user name, role, plan, locale...),
   * stored with the agent session; the browser can read it but never change it.
   */
  context: hostContextSchema.nullish(),
  /**
   * How the agent UI looks: accent colour, corner radius, density, colour scheme and locale
   * (ticket-ui.ts). Read by the vanity page and the hooks (`useAgentSession().ui`).
   */
  ui: ticketUiSchema.nullish(),
  /**
   * Where "Return to the app" leads: an absolute URL on the host app's origin (PUBLIC_URL's, or
   * one of FRAME_ANCESTORS'), https or http://localhost.
   */
  return_url: z.string().max(RETURN_URL_MAX_LENGTH).nullish(),
});

export type TicketRequest = z.infer<typeof ticketRequestSchema>;

export interface MintedTicket {
  /** The secret, shown this once. */
  ticket: string;
  /** When the ticket, and the agent session it becomes, expire: epoch milliseconds. */
  expires_at: number;
  /** The vanity page that exchanges this ticket. */
  url: string;
}

function unprocessable(message: string): TRPCError {
  return new TRPCError({ code: "UNPROCESSABLE_CONTENT", message });
}

/** The origins of the host apps a ticket's `return_url` may lead to. */
export function hostOrigins(config: ApiConfig): string[] {
  return [new URL(config.publicUrl).origin, ...(config.frameAncestors ?? [])];
}

/** The vanity page's address for a ticket. */
export function vanityUrl(publicUrl: string, ticket: string): string {
  return `${publicUrl}/vanity/agents?ticket=${encodeURIComponent(ticket)}`;
}

/**
 * Who a ticket is minted by, stored so that ending them ends the ticket and its session: the API
 * key of a backend, or the host user (and workspace) of the host app's own door.
 */
export interface TicketOrigin {
  apiKeyId?: string;
  hostUserId?: string;
  hostWorkspaceId?: string;
}

/**
 * Validates the request's meaning and stores a new ticket, hashed. Errors are
 * UNPROCESSABLE_CONTENT with a message naming the field and what to do. A static group must
 * follow the rule of each agent named (`contextGroup`), or for agents without one `doorRule`
 * (the minting door's own format), or else the server's format.
 */
export async function mintTicket(
  ctx: RequestContext,
  request: TicketRequest,
  issuer: string,
  doorRule?: ContextGroupRule,
  origin: TicketOrigin = {},
): Promise<MintedTicket> {
  const agentIds = [...new Set(request.agent_ids)];
  if (agentIds.length === 0) throw unprocessable("agent_ids must name at least one agent");
  const agents = agentIds.map((id) => ctx.agents.get(id));
  const unknown = agentIds.filter((_, index) => !agents[index]);
  if (unknown.length > 0) {
    throw unprocessable(`unknown agent id${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
  }

  const expiresIn = request.expires_in ?? EXPIRES_IN.default;
  if (expiresIn < EXPIRES_IN.min || expiresIn > EXPIRES_IN.max) {
    throw unprocessable(
      `expires_in must be between ${EXPIRES_IN.min} and ${EXPIRES_IN.max} seconds`,
    );
  }

  let contextGroup: string | null = null;
  if (request.agent_session_identifier === "static") {
    if (request.context_group == null) {
      throw unprocessable("context_group is required for static sessions");
    }
    const problem = contextGroupProblem(request.context_group, {
      agents: agents.filter((agent) => agent !== undefined),
      door: doorRule,
      server: serverContextGroupRule(ctx.config),
    });
    if (problem) throw unprocessable(problem);
    contextGroup = request.context_group;
  } else if (request.context_group != null) {
    throw unprocessable(
      "context_group must be left out for signin sessions: the group follows the signed-in user",
    );
  }

  const displayName = request.display_name?.trim() || null;
  const hostContext = serializeHostContext(request.context);
  const ui = serializeTicketUi(request.ui);
  const returnUrl = checkReturnUrl(request.return_url, hostOrigins(ctx.config));

  const now = ctx.now();
  const ticket = newSecret(TICKET_PREFIX);
  const expiresAt = now + expiresIn * 1000;
  await insertTicket(
    ctx.db,
    {
      token: ticket,
      agentIds,
      sessionType: request.agent_session_identifier,
      contextGroup,
      hostContext,
      issuer,
      expiresAt,
      ...origin,
      displayName,
      ui,
      returnUrl,
    },
    now,
  );
  return { ticket, expires_at: expiresAt, url: vanityUrl(ctx.config.publicUrl, ticket) };
}

/** A ticket minted by a backend's API key (ticket.create, POST /session/tickets). */
export function mintTicketForApiKey(
  ctx: RequestContext,
  key: Pick<ApiKeyRow, "id">,
  request: TicketRequest,
): Promise<MintedTicket> {
  return mintTicket(ctx, request, `api_key:${key.id}`, undefined, { apiKeyId: key.id });
}
