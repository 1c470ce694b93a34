// A short way through tRPC for a few hot mutations (the ticket exchange): one call, alone or as a
// batch of one (what the browser's batch link sends), with a JSON body. It calls the procedure
// itself, so its middlewares and input validation run as always, and answers exactly as tRPC's
// fetch adapter would (the same body, error shapes, status codes and headers), without the
// adapter's per-request machinery: URL and batch parsing, abort signals, the response planner.
// That machinery was about a fifth of the server's time on the ticket path (benchmark 1).
// Any other request (a query string besides `batch=1`, another content type, a streaming
// accept header) is left to the adapter.
import {
  type AnyRouter,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  TRPCError,
  transformTRPCResponse,
} from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";

export interface DirectMutationOptions {
  router: AnyRouter;
  /** The procedure's path, e.g. "session.exchange". */
  path: string;
  /** Called with each error the call answers with, as the adapter's `onError`. */
  onError?: (opts: { error: TRPCError; path: string; req: Request }) => void;
}

type Shape = { result: { data: unknown } } | { error: unknown };

/**
 * A handler for the mutation at `options.path`, or null when the router has none there. The
 * handler answers `req` if it is a call it can take, or returns null to leave it to the adapter;
 * `search` is the request URL's query string ("" when it has none), and `createContext` makes
 * the request's context as the adapter's would, given the headers to add to the answer.
 */
export function directMutation<TContext>(
  options: DirectMutationOptions,
):
  | ((
      req: Request,
      search: string,
      createContext: (resHeaders: Headers) => TContext | Promise<TContext>,
    ) => Promise<Response | null>)
  | null {
  const { router, path, onError } = options;
  const procedure = router._def.procedures[path] as
    | ((opts: {
        path: string;
        getRawInput: () => Promise<unknown>;
        ctx: TContext;
        type: "mutation";
        signal: AbortSignal | undefined;
        batchIndex: number;
      }) => Promise<unknown>)
    | undefined;
  if (!procedure || (procedure as unknown as { _def: { type: string } })._def.type !== "mutation") {
    return null;
  }
  const config = router._def._config;

  return async (req, search, createContext) => {
    const batch = search === "?batch=1";
    if (search !== "" && !batch) return null;
    const headers = req.headers;
    if (!headers.get("content-type")?.startsWith("application/json")) return null;
    if (headers.has("trpc-accept") || headers.get("accept")?.includes("application/jsonl")) {
      return null;
    }

    const resHeaders = new Headers();
    let ctx: TContext | undefined;
    // The input is read when the procedure asks for it, as the adapter does: a body that is not
    // JSON is a BAD_REQUEST saying why, after the context and the middlewares before the input.
    let input: unknown;
    let reading: Promise<unknown> | undefined;
    const getRawInput = () => {
      reading ??= req.text().then((text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (cause) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: cause instanceof Error ? cause.message : "Invalid input",
            cause,
          });
        }
        if (batch && (typeof body !== "object" || body === null || Array.isArray(body))) {
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: '"input" needs to be an object when doing a batch call',
          });
        }
        input = batch ? (body as Record<string, unknown>)[0] : body;
        return input;
      });
      return reading;
    };
    let shape: Shape;
    try {
      ctx = await createContext(resHeaders);
      const data = await procedure({
        path,
        getRawInput,
        ctx,
        type: "mutation",
        signal: undefined,
        batchIndex: 0,
      });
      shape = { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      onError?.({ error, path, req });
      shape = {
        error: getTRPCErrorShape({ config, error, type: "mutation", path, input, ctx }),
      };
    }

    const answer = new Headers([["vary", "trpc-accept, accept"]]);
    answer.set("content-type", "application/json");
    resHeaders.forEach((value, name) => {
      answer.append(name, value);
    });
    const json = batch ? [shape] : shape;
    return new Response(JSON.stringify(transformTRPCResponse(config, json as never)), {
      status: getHTTPStatusCode(json as never),
      headers: answer,
    });
  };
}
