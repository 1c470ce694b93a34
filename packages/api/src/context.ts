// The request context: what every procedure may use. The server builds one per request from
// the long-lived dependencies (database, configuration, agents, sign-in service) and the request
// itself; tests build one the same way for a caller (createCallerFactory).
import type { AgentRegistry, AgentRuntime } from "@agent-access/agents";
import type { Auth, RateLimiter, SignIn } from "@agent-access/auth";
import type { Db } from "@agent-access/db";
import { type AgentSessionLookup, lookUpAgentSession } from "./agent-sessions.ts";
import { AgentLimits } from "./limits.ts";
import { StreamSessionChecks } from "./stream-sessions.ts";

export interface ApiConfig {
  /** The public origin of the app, e.g. "http://localhost:5173"; links and cookies use it. */
  publicUrl: string;
  /**
   * The format a static context group must match (as a whole), for agents without a rule of
   * their own: `DEFAULT_CONTEXT_GROUP_PATTERN` (`segment:value` pairs) unless configured.
   */
  contextGroupPattern: RegExp;
  /**
   * The format in words, quoted when a group does not match. Default: the default format's
   * description, or the pattern itself when another pattern is configured.
   */
  contextGroupDescription?: string;
  /**
   * How often open event streams re-check their agent sessions, in ms; a stream whose session
   * expired, was replaced or signed out ends with UNAUTHORIZED. One look-up per server per
   * interval for all open streams (stream-sessions.ts). Default 5000.
   */
  streamSessionCheckMs?: number;
  /**
   * Origins allowed to frame the vanity page (FRAME_ANCESTORS), e.g. "https://app.example.com".
   * When there are any, the agent session cookie is `SameSite=None; Secure; Partitioned` so
   * that the session works inside their cross-site frame. Default none: not framable.
   */
  frameAncestors?: readonly string[];
}

/** What a browser may know of an agent. */
export interface AgentInfo {
  id: string;
  name: string;
  description: string;
  /** Messages to start a conversation with, for the empty screen (`[]` for none). */
  starterPrompts: string[];
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
  /**
   * Failed ticket exchanges per IP (a token per failure). One per server, like `auth`:
   * createRateLimiter, so that on PostgreSQL every instance counts against the same figures.
   */
  exchangeFailures: RateLimiter;
  /**
   * Quotas of agent sessions and context groups (limits.ts). One per server, like `auth`.
   * Default: DEFAULT_AGENT_LIMITS, one instance per dependencies object.
   */
  limits?: AgentLimits;
  /**
   * Called after a group's erasure (DELETE /v1/context-groups/{group}) has deleted its rows and
   * files, to erase what the app keeps of the group elsewhere (the demo: its notes file).
   */
  onGroupErased?: (group: string) => Promise<void> | void;
}

/**
 * What procedures read of the request: its headers. A fetch `Request` is one; the server's
 * event streams, answered on node:http, pass a view of the node request's headers instead.
 */
export interface RequestHeaders {
  headers: { get(name: string): string | null };
}

export interface RequestInfo {
  req: RequestHeaders;
  /** Headers to add to the response, such as Set-Cookie. */
  resHeaders: Headers;
  /** The client's IP address, for rate limits. Default "unknown" (one shared bucket). */
  clientIp?: string;
  /** Parameters an event stream sent with its connection (tRPC's connectionParams). */
  connectionParams?: Partial<Record<string, string>> | null;
  /**
   * The look-up of the request's agent session, when the server has already made it for this
   * request (the event stream's slot, stream-slots.ts): the session check reuses it instead of
   * reading the same row again.
   */
  agentSession?: AgentSessionLookup;
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

const streamSessionChecks = new WeakMap<ApiDependencies, StreamSessionChecks>();

/** The re-check of open event streams' sessions: one per dependencies object, as one per server. */
export function streamSessionChecksOf(deps: ApiDependencies): StreamSessionChecks {
  let checks = streamSessionChecks.get(deps);
  if (!checks) {
    checks = new StreamSessionChecks(deps.db, {
      now: deps.now ?? Date.now,
      intervalMs: deps.config.streamSessionCheckMs ?? 5000,
    });
    streamSessionChecks.set(deps, checks);
  }
  return checks;
}

/** The context of one request, for the tRPC handler (`createContext`) or a caller. */
export function createRequestContext(deps: ApiDependencies, request: RequestInfo) {
  let signIn: Promise<SignIn | null> | undefined;
  let agentSession: Promise<AgentSessionLookup> | undefined = request.agentSession
    ? Promise.resolve(request.agentSession)
    : undefined;
  const now = deps.now ?? Date.now;
  return {
    db: deps.db,
    config: deps.config,
    agents: deps.agents,
    runtime: deps.runtime,
    now,
    auth: deps.auth,
    exchangeFailures: deps.exchangeFailures,
    limits: limitsOf(deps),
    /** The server's re-check of open event streams' agent sessions. */
    streamSessions: streamSessionChecksOf(deps),
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
    /**
     * The live agent session that the request's agent_session cookie names, if any: read once
     * per request, on first use (or given by the server, which read it for the stream's slot),
     * so that a request whose session is checked twice costs one read. `checkAgentSession`
     * judges it.
     */
    agentSessionRow: (): Promise<AgentSessionLookup> => {
      agentSession ??= lookUpAgentSession(deps.db, request.req.headers.get("cookie"), now());
      return agentSession;
    },
  };
}

export type RequestContext = ReturnType<typeof createRequestContext>;
