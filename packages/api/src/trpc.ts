// The one place where tRPC is set up: 1. initialization, 2. middlewares, 3. procedure kinds.
// The request context that every procedure sees is built in context.ts.
import { AgentRuntimeError, type AgentScope } from "@agent-access/agents";
import { isDatabaseUnavailable } from "@agent-access/db";
import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { checkAgentSession, NO_SESSION_MESSAGES } from "./agent-sessions.ts";
import { authenticateApiKey } from "./api-keys.ts";
import type { RequestContext } from "./context.ts";
import { DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE } from "./rest/errors.ts";

/* 1. INITIALIZATION
 * No transformer: the wire is plain JSON and times are numbers. Validation errors carry zod's
 * flattened field errors so that a form can show each message beside its field. */

const t = initTRPC.context<RequestContext>().create({
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
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/**
 * An error that means the database is out of reach (connection refused, reset, timed out, the
 * server shutting down) as SERVICE_UNAVAILABLE, 503: the request may succeed when it returns.
 * Anything else as it is.
 */
function fromDatabase(error: unknown): unknown {
  if (error instanceof TRPCError && error.code === "SERVICE_UNAVAILABLE") return error;
  if (!isDatabaseUnavailable(error)) return error;
  const cause = error instanceof TRPCError ? error.cause : error;
  return new TRPCError({
    code: "SERVICE_UNAVAILABLE",
    message: DATABASE_UNAVAILABLE_MESSAGE,
    cause,
  });
}

/* 2. MIDDLEWARES
 * Each checks one thing and puts what it found on ctx. The same-origin (CSRF) check is not here:
 * the server applies it to every non-GET request before routing (apps/server/src/app.ts), and
 * tRPC sends every mutation as a POST. */

/** A valid sign-in, or UNAUTHORIZED. Puts `user` and `sessionId` on ctx. */
const signedIn = t.middleware(async ({ ctx, next }) => {
  const signIn = await ctx.getSignIn();
  if (!signIn) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { user: signIn.user, sessionId: signIn.sessionId } });
});

/**
 * An API key of scope `tickets` or `all` in `Authorization: Bearer <api key>`. No or an unknown
 * key is UNAUTHORIZED; a revoked or out-of-scope key is FORBIDDEN, so its owner can tell a typo
 * from a refusal (api-keys.ts). Puts `apiKey` on ctx.
 */
const apiKey = t.middleware(async ({ ctx, next }) => {
  const key = await authenticateApiKey(
    ctx.db,
    ctx.req.headers.get("authorization"),
    "tickets",
    ctx.now(),
  );
  return next({ ctx: { apiKey: key } });
});

/**
 * A live agent session (agent-sessions.ts), or UNAUTHORIZED saying why not. Puts the session on
 * `ctx.agentSession` and the engine's scope, its `{ contextGroup, agentIds, hostContext }`, on
 * `ctx.scope`.
 */
const agentSession = t.middleware(async ({ ctx, next }) => {
  const check = await checkAgentSession(ctx);
  if (check.status !== "valid") {
    throw new TRPCError({ code: "UNAUTHORIZED", message: NO_SESSION_MESSAGES[check.status] });
  }
  const { contextGroup, agentIds, hostContext } = check.session;
  const scope: AgentScope = { contextGroup, agentIds, hostContext };
  return next({ ctx: { agentSession: check.session, scope } });
});

/** An engine refusal (AgentRuntimeError) as the tRPC error of the same code and message. */
function fromEngine(error: unknown): unknown {
  const cause = error instanceof TRPCError ? error.cause : error;
  return cause instanceof AgentRuntimeError
    ? new TRPCError({ code: cause.code, message: cause.message, cause })
    : error;
}

/** An error as the client should see it: an engine refusal or the database out of reach. */
function known(error: unknown): unknown {
  return fromDatabase(fromEngine(error));
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

async function* withKnownErrors(events: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    yield* events;
  } catch (error) {
    throw known(error);
  }
}

/**
 * Errors answered as what they are, not as a 500: an engine refusal as its own code (NOT_FOUND,
 * CONFLICT, ...), and the database out of reach as 503 (SERVICE_UNAVAILABLE) with a message
 * saying to retry. From every procedure, its middlewares (sign-in, sessions) and its stream alike
 * (a subscription's generator runs after this middleware has returned, so the stream is wrapped).
 * The pool reconnects by itself once the database is back, with no restart. One middleware for
 * both, as each layer costs every call.
 */
const knownErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok) {
    const error = known(result.error);
    // A 503 says when to come back, as the REST API's does (a pool with no free connection
    // within its wait, or the database out of reach).
    if (error instanceof TRPCError && error.code === "SERVICE_UNAVAILABLE") {
      ctx.resHeaders.set("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
    }
    if (error !== result.error) throw error;
    return result;
  }
  return isAsyncIterable(result.data) ? { ...result, data: withKnownErrors(result.data) } : result;
});

/* 3. PROCEDURE KINDS
 * Every kind starts from `procedure`, which answers engine refusals by their code and 503 while
 * the database is out of reach. */

const procedure = t.procedure.use(knownErrors);

/** Anyone may call it. */
export const publicProcedure = procedure;

/** A signed-in user: `ctx.user`, `ctx.sessionId`. */
export const userProcedure = procedure.use(signedIn);

/** A backend with an API key of scope `tickets` or `all`: `ctx.apiKey`. */
export const backendProcedure = procedure.use(apiKey);

/**
 * A browser with a live agent session: `ctx.agentSession` and `ctx.scope`. Everything the
 * procedure reads goes through the engine (`ctx.runtime`) with `ctx.scope`, whose SQL refuses
 * anything outside it with NOT_FOUND; the engine's refusals reach the client as tRPC errors.
 */
export const agentProcedure = procedure.use(agentSession);
