// The one place where tRPC is set up: 1. context, 2. initialization, 3. procedure kinds.
import type { AgentRegistry, AgentRuntime } from "@agent-access/agents";
import type { Auth, SignIn, TokenBucket } from "@agent-access/auth";
import { checkApiKey, type Db } from "@agent-access/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { checkAgentSession, NO_SESSION_MESSAGES } from "./agent-sessions.ts";
import type { ContextGroupPattern } from "./context-group-pattern.ts";
import { AgentLimits } from "./limits.ts";

/* 1. CONTEXT
 * What every procedure may use. The server builds one per request from the long-lived
 * dependencies (database, configuration, agents, sign-in service) and the request itself. */

export interface ApiConfig {
  /** The public origin of the app, e.g. "http://localhost:5173"; links and cookies use it. */
  publicUrl: string;
  /**
   * The format a static context group must match, in linear time (compileContextGroupPattern).
   * Default: DEFAULT_CONTEXT_GROUP_PATTERN, `segment:value` pairs.
   */
  contextGroupPattern: ContextGroupPattern;
  /**
   * How often an open event stream re-checks its agent session, in ms; a stream whose session
   * expired, was replaced or signed out ends with UNAUTHORIZED. Default 5000.
   */
  streamSessionCheckMs?: number;
}

/** What a browser may know of an agent. */
export interface AgentInfo {
  id: string;
  name: string;
  description: string;
}

export interface ApiDependencies {
  db: Db;
  config: ApiConfig;
  /** The agents tickets may name; the same registry the runtime runs. */
  agents: AgentRegistry;
  /** The run engine behind the context procedures (createAgentRuntime). One per server. */
  runtime: AgentRuntime;
  /** The clock, in epoch ms. Tests pass a controlled one. Default Date.now. */
  now?: () => number;
  /** Sign-in sessions and their rate limits (createAuth). One per server: the limits are state. */
  auth: Auth;
  /** Failed ticket exchanges per IP (a token per failure). One per server, like `auth`. */
  exchangeFailures: TokenBucket;
  /**
   * Quotas of agent sessions and context groups (limits.ts). One per server, like `auth`.
   * Default: DEFAULT_AGENT_LIMITS, one instance per dependencies object.
   */
  limits?: AgentLimits;
}

export interface RequestInfo {
  req: Request;
  /** Headers to add to the response, such as Set-Cookie. */
  resHeaders: Headers;
  /** The client's IP address, for rate limits. Default "unknown" (one shared bucket). */
  clientIp?: string;
  /** Parameters an event stream sent with its connection (tRPC's connectionParams). */
  connectionParams?: Partial<Record<string, string>> | null;
}

/**
 * The agent session a page was opened with, if it says: the `x-agent-session` header (queries
 * and mutations) or the `agentSession` connection parameter (event streams, which cannot send
 * headers). Not a secret, a check: a page bound to one session is refused once the browser's
 * cookie names another, instead of silently working in another session's group.
 */
function expectedAgentSession(request: RequestInfo): string | null {
  return (
    request.req.headers.get("x-agent-session") ?? request.connectionParams?.agentSession ?? null
  );
}

async function resolveSignIn(auth: Auth, request: RequestInfo): Promise<SignIn | null> {
  const { signIn, setCookie } = await auth.currentSignIn(request.req.headers.get("cookie"));
  // A session renewed past its half-life gets a fresh cookie; a dead one gets a blank cookie.
  if (setCookie) request.resHeaders.append("Set-Cookie", setCookie);
  return signIn;
}

const defaultLimits = new WeakMap<ApiDependencies, AgentLimits>();

/** The server's quotas: its own, or one default instance kept per dependencies object. */
export function limitsOf(deps: ApiDependencies): AgentLimits {
  if (deps.limits) return deps.limits;
  const known = defaultLimits.get(deps);
  if (known) return known;
  const limits = new AgentLimits(deps.db);
  defaultLimits.set(deps, limits);
  return limits;
}

export function createContext(deps: ApiDependencies, request: RequestInfo) {
  let signIn: Promise<SignIn | null> | undefined;
  return {
    db: deps.db,
    config: deps.config,
    agents: deps.agents,
    runtime: deps.runtime,
    now: deps.now ?? Date.now,
    auth: deps.auth,
    exchangeFailures: deps.exchangeFailures,
    limits: limitsOf(deps),
    req: request.req,
    resHeaders: request.resHeaders,
    clientIp: request.clientIp ?? "unknown",
    expectedAgentSession: expectedAgentSession(request),
    /**
     * The sign-in that the request's auth_session cookie names, or null. Looked up on first use
     * only, so procedures that do not need it cost no database read.
     */
    getSignIn: (): Promise<SignIn | null> => {
      signIn ??= resolveSignIn(deps.auth, request);
      return signIn;
    },
  };
}

export type Context = ReturnType<typeof createContext>;

/* 2. INITIALIZATION
 * No transformer: the wire is plain JSON and times are numbers. Validation errors carry zod's
 * flattened field errors so that a form can show each message beside its field. */

const t = initTRPC.context<Context>().create({
  // Event streams carry a comment every 15 s, so proxies keep idle ones open, and a client that
  // hears nothing for 20 s reconnects (resuming from its last event id).
  sse: {
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        zodError: cause instanceof z.ZodError ? z.flattenError(cause) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/* 3. PROCEDURE KINDS
 * The same-origin (CSRF) check is not here: the server applies it to every non-GET request
 * before routing (apps/server/src/app.ts), and tRPC sends every mutation as a POST. */

/** Anyone may call it. */
export const publicProcedure = t.procedure;

/** Needs a valid sign-in; puts `user` and `sessionId` on ctx. */
export const userProcedure = t.procedure.use(async ({ ctx, next }) => {
  const signIn = await ctx.getSignIn();
  if (!signIn) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { user: signIn.user, sessionId: signIn.sessionId } });
});

/**
 * A backend, with `Authorization: Bearer <api key>`. No or an unknown key is UNAUTHORIZED; a
 * revoked key is FORBIDDEN, so its owner can tell a typo from a revocation.
 */
export const backendProcedure = t.procedure.use(({ ctx, next }) => {
  const header = ctx.req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "missing API key: send Authorization: Bearer <api key>",
    });
  }
  const check = checkApiKey(ctx.db, match[1]!, ctx.now());
  if (check.status === "unknown") {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "invalid API key" });
  }
  if (check.status === "revoked") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "this API key has been revoked: create a new one",
    });
  }
  return next({ ctx: { apiKey: check.key } });
});

/**
 * A browser with a live agent session. Puts `{ contextGroup, agentIds, sessionType }` on
 * `ctx.agentSession`; everything the procedure reads must be scoped by them in SQL.
 */
export const agentProcedure = t.procedure.use(async ({ ctx, next }) => {
  const check = await checkAgentSession(ctx);
  if (check.status !== "valid") {
    throw new TRPCError({ code: "UNAUTHORIZED", message: NO_SESSION_MESSAGES[check.status] });
  }
  return next({ ctx: { agentSession: check.session } });
});
