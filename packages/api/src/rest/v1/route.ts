// One host API route: its method and path, the key scope it needs, the zod schemas of its
// query and path (which validate the request and describe it in the OpenAPI document) and of
// its answers, and what it does. `serveRoute` runs the checks in the same order for every route.
import { AgentRuntimeError } from "@agent-access/agents";
import { TRPCError } from "@trpc/server";
import type { z } from "zod";
import { type ApiKeyNeed, authenticateApiKey } from "../../api-keys.ts";
import type { ApiDependencies } from "../../context.ts";
import { trpcErrorResponse } from "../errors.ts";

type Shape = z.ZodObject;

export interface RouteInput<Q extends Shape | undefined, P extends Shape | undefined> {
  query: Q extends Shape ? z.output<Q> : undefined;
  path: P extends Shape ? z.output<P> : undefined;
  now: number;
}

export interface RestRoute<
  Q extends Shape | undefined = Shape | undefined,
  P extends Shape | undefined = Shape | undefined,
> {
  method: "get" | "delete";
  /** OpenAPI form, e.g. /v1/contexts/{id}. */
  path: string;
  summary: string;
  /** The key scope the route needs (a key of scope `all` has every one). */
  scope: ApiKeyNeed;
  query?: Q;
  params?: P;
  /** The success answer. */
  response: { status: 200; description: string; schema: z.ZodType };
  /** The error statuses the route may answer beyond 400, 401 and 403. */
  errors?: { status: 404 | 409; description: string }[];
  run(deps: ApiDependencies, input: RouteInput<Q, P>): Promise<unknown>;
}

/** Keeps a route's schema types tied to its handler's input. */
export function defineRoute<Q extends Shape | undefined, P extends Shape | undefined>(
  route: RestRoute<Q, P>,
): RestRoute {
  return route as unknown as RestRoute;
}

function parse(schema: Shape | undefined, value: Record<string, string>): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "invalid request", cause: result.error });
  }
  return result.data;
}

/** A 400 naming the field, as a zod issue would. */
export function badField(field: string, message: string): TRPCError {
  return new TRPCError({ code: "BAD_REQUEST", message: `${field}: ${message}` });
}

export function notFound(message: string): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message });
}

/**
 * Answers a request: key and scope first (so an unauthorized caller learns nothing about its
 * input), then the query and path, then the route itself. Conversation data is never cached.
 */
export async function serveRoute(
  route: RestRoute,
  deps: ApiDependencies,
  req: Request,
  params: Record<string, string>,
): Promise<Response> {
  const headers = new Headers({ "cache-control": "no-store" });
  const now = (deps.now ?? Date.now)();
  try {
    await authenticateApiKey(deps.db, req.headers.get("authorization"), route.scope, now);
    const query = parse(route.query, Object.fromEntries(new URL(req.url).searchParams));
    const path = parse(route.params, params);
    const body = await route.run(deps, { query, path, now } as RouteInput<Shape, Shape>);
    return Response.json(body, { status: route.response.status, headers });
  } catch (error) {
    if (error instanceof AgentRuntimeError) {
      return trpcErrorResponse(
        new TRPCError({ code: error.code, message: error.message }),
        headers,
      );
    }
    return trpcErrorResponse(error, headers);
  }
}
