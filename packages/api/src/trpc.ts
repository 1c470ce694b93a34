// The one place where tRPC is set up: 1. context, 2. initialization, 3. procedure kinds.
import type { Db } from "@agent-access/db";
import { initTRPC } from "@trpc/server";
import { z } from "zod";

/* 1. CONTEXT
 * What every procedure may use. The server builds one per request from the long-lived
 * dependencies (database, configuration) and the request itself. */

export interface ApiConfig {
  /** The public origin of the app, e.g. "http://localhost:5173"; links and origin checks use it. */
  publicUrl: string;
}

export interface ApiDependencies {
  db: Db;
  config: ApiConfig;
  /** The clock, in epoch ms. Tests pass a controlled one. Default Date.now. */
  now?: () => number;
}

export interface RequestInfo {
  req: Request;
  /** Headers to add to the response, such as Set-Cookie. */
  resHeaders: Headers;
}

export function createContext(deps: ApiDependencies, request: RequestInfo) {
  return {
    db: deps.db,
    config: deps.config,
    now: deps.now ?? Date.now,
    req: request.req,
    resHeaders: request.resHeaders,
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
