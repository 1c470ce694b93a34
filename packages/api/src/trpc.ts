// The one place where tRPC is set up: 1. context, 2. initialization, 3. procedure kinds.
import { checkApiKey, type Db } from "@agent-access/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { checkAgentSession, NO_SESSION_MESSAGES } from "./agent-sessions.ts";
import { parseCookies } from "./cookies.ts";

/* 1. CONTEXT
 * What every procedure may use. The server builds one per request from the long-lived
 * dependencies (database, configuration, agents) and the request itself. */

export interface ApiConfig {
  /** The public origin of the app, e.g. "http://localhost:5173"; links and cookies use it. */
  publicUrl: string;
  /** The format a static context group must match. Default: `segment:value` pairs. */
  contextGroupPattern: RegExp;
}

/** What the API needs to know of an agent; the agents package's registry provides it. */
export interface AgentInfo {
  id: string;
  name: string;
  description: string;
}

export interface AgentDirectory {
  get(id: string): AgentInfo | undefined;
  list(): AgentInfo[];
}

/** A browser's sign-in: the user and the sign-in itself (auth_session.id, a hash, not secret). */
export interface SignIn {
  userId: string;
  sessionId: string;
}

export interface ApiDependencies {
  db: Db;
  config: ApiConfig;
  agents: AgentDirectory;
  /** The clock, in epoch ms. Tests pass a controlled one. Default Date.now. */
  now?: () => number;
}

export interface RequestInfo {
  req: Request;
  /** Headers to add to the response, such as Set-Cookie. */
  resHeaders: Headers;
}

export function createContext(deps: ApiDependencies, request: RequestInfo) {
  const cookies = parseCookies(request.req.headers.get("cookie"));
  return {
    db: deps.db,
    config: deps.config,
    agents: deps.agents,
    now: deps.now ?? Date.now,
    req: request.req,
    resHeaders: request.resHeaders,
    cookies,
    /** The browser's current sign-in, or null. */
    signIn: async (): Promise<SignIn | null> => null,
  };
}

export type Context = ReturnType<typeof createContext>;

/* 2. INITIALIZATION
 * No transformer: the wire is plain JSON and times are numbers. Validation errors carry zod's
 * flattened field errors so that a form can show each message beside its field. */

const t = initTRPC.context<Context>().create({
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

/* 3. PROCEDURE KINDS */

/** Anyone may call it. */
export const publicProcedure = t.procedure;

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
