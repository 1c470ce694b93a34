// tRPC queries and mutations answered straight on node:http: one call, alone or as a batch of
// one (what the browser's batch link sends for a lone call), a JSON body or none. Through Hono
// and tRPC's fetch adapter each such call costs a fetch Request (with its AbortSignal) and its
// body read through a web stream, the adapter's URL and batch parsing and its response planner,
// a Response, and @hono/node-server's copy of it onto the socket: about a third of the server's
// time in a turn (docs/benchmarks.md, benchmark 2). This calls the procedure itself, so its
// middlewares, input validation and error formatter run as always, and writes exactly what the
// adapter and Hono write: the same status, body, headers (in the same order) and error shapes,
// Retry-After on 429 and 503 included.
//
// The protections the Hono pipeline gives these routes (app.ts) hold here too: a request that
// one of them would refuse (the same-origin check on a POST, a body over the bound, a batch of
// more than one call) is not taken, and Hono refuses it exactly as before. Every answer carries
// nosniff and Cache-Control: no-store; the client IP is taken as Hono's routes take it
// (TRUST_PROXY); internal errors are logged through `onInternalError`. A procedure's `signal`
// is undefined (tRPC's type allows it; none of the framework's queries and mutations reads it).
//
// Anything else (a subscription, a chunked or non-JSON body, a streaming accept header, a path
// that names no query or mutation, any query parameter besides `batch=1` and `input`) is left
// to the caller, which passes it to Hono unchanged.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiDependencies } from "@agent-access/api";
import { checkSameOrigin } from "@agent-access/auth";
import type { AnyProcedure, AnyRouter } from "@trpc/server";
import { getHTTPStatusCode } from "@trpc/server/http";
import {
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";
import { headerOf, nodeRequestContext } from "./node-request.ts";

const TRPC_PREFIX = "/trpc/";

export interface DirectCallsOptions {
  deps: ApiDependencies;
  router: AnyRouter;
  trustProxy: boolean;
  onInternalError: (error: unknown) => void;
  /** The largest request body, in bytes; a larger one is left to Hono, which refuses it. */
  maxBodyBytes: number;
}

type Call = "query" | "mutation";

const utf8 = new TextDecoder();

/**
 * A node:http handler for single tRPC queries and mutations: answers and returns true, or
 * returns false (without touching the request) for the caller to pass it on.
 */
export function createDirectCalls(options: DirectCallsOptions) {
  const { deps, router, trustProxy, onInternalError, maxBodyBytes } = options;
  const config = router._def._config;
  const publicUrl = deps.config.publicUrl;
  const procedures = router._def.procedures as Record<string, AnyProcedure | undefined>;
  let answered = 0;

  /** The procedure at `path`, if it is a query (GET) or a mutation (POST). */
  function procedureOf(method: string, path: string): AnyProcedure | null {
    if (!Object.hasOwn(procedures, path)) return null;
    const procedure = procedures[path];
    if (!procedure) return null;
    const type = procedure._def.type;
    if (method === "GET" ? type !== "query" : type !== "mutation") return null;
    return procedure;
  }

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    procedure: AnyProcedure,
    type: Call,
    batch: boolean,
    query: string | null,
  ): Promise<void> {
    const resHeaders = new Headers();
    let ctx: unknown;
    // The input is read when the procedure asks for it, as the adapter does: a body that is not
    // JSON is a BAD_REQUEST saying why, after the context and the middlewares before the input.
    let input: unknown;
    let reading: Promise<unknown> | undefined;
    const getRawInput = () => {
      reading ??= (type === "query" ? Promise.resolve(query) : readBody(req))
        .then((text) => {
          // A query's `?input=` is read only when it is there and not empty, as the adapter does.
          if (type === "query" && !text) return undefined;
          const inputs: unknown = JSON.parse(text as string);
          if (!batch) {
            input = config.transformer.input.deserialize(inputs);
            return input;
          }
          if (!isObject(inputs)) {
            throw new TRPCError({
              code: "BAD_REQUEST",
              message: '"input" needs to be an object when doing a batch call',
            });
          }
          const first = inputs[0];
          input = first === undefined ? undefined : config.transformer.input.deserialize(first);
          return input;
        })
        .catch((cause: unknown) => {
          // As the adapter's reader: whatever fails in reading the input is a BAD_REQUEST.
          if (cause instanceof TRPCError) throw cause;
          throw new TRPCError({
            code: "BAD_REQUEST",
            message: cause instanceof Error ? cause.message : "Invalid input",
            cause,
          });
        });
      return reading;
    };

    let shape: { result: { data: unknown } } | { error: unknown };
    try {
      let data: unknown;
      try {
        ctx = nodeRequestContext(deps, req, { resHeaders, connectionParams: null, trustProxy });
        data = await procedure({ path, getRawInput, ctx, type, signal: undefined, batchIndex: 0 });
      } catch (cause) {
        // What the adapter's `onError` does in app.ts: log what reaches the client as a 500.
        const error = getTRPCErrorFromUnknown(cause);
        if (error.code === "INTERNAL_SERVER_ERROR") onInternalError(error.cause ?? error);
        throw error;
      }
      // As the adapter: a promise or an iterable in the data needs its streaming link. Alone,
      // the adapter's last-resort catch answers it, with neither path nor input in the shape.
      if (isDataStream(data)) {
        const error = new TRPCError({
          code: "UNSUPPORTED_MEDIA_TYPE",
          message:
            "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink",
        });
        shape = batch
          ? { error: getErrorShape({ config, error, type, path, input, ctx }) }
          : {
              error: getErrorShape({ config, error, type, path: undefined, input: undefined, ctx }),
            };
      } else {
        shape = { result: { data } };
      }
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      shape = { error: getErrorShape({ config, error, type, path, input, ctx }) };
    }

    const json = batch ? [shape] : shape;
    const body = JSON.stringify(transformTRPCResponse(config, json as never));
    const status = getHTTPStatusCode(json as never);
    answered++;
    if (res.destroyed) return;
    res.writeHead(status, answerHeaders(resHeaders, Buffer.byteLength(body)));
    res.end(body);
  }

  return {
    /** Answers `req` if it is a call this serves; false to pass it on. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const method = req.method;
      const url = req.url;
      if ((method !== "GET" && method !== "POST") || !url?.startsWith(TRPC_PREFIX)) return false;
      const h = req.headers;
      const host = h.host;
      if (!host) return false;
      // No streaming answer (httpBatchStreamLink, the deprecated jsonl accept).
      if (h["trpc-accept"] !== undefined || h.accept?.includes("application/jsonl")) return false;

      const queryAt = url.indexOf("?");
      const path = url.slice(TRPC_PREFIX.length, queryAt === -1 ? undefined : queryAt);
      let batch = false;
      let input: string | null = null;
      if (queryAt !== -1) {
        // `batch=1` and (for a query) `input=`, once each, in any order; anything else is the
        // adapter's to read.
        for (const pair of url.slice(queryAt + 1).split("&")) {
          if (pair === "batch=1" && !batch) batch = true;
          else if (method === "GET" && pair.startsWith("input=") && input === null) {
            try {
              input = decodeURIComponent(pair.slice("input=".length).replaceAll("+", " "));
            } catch {
              return false;
            }
          } else return false;
        }
      }
      const procedure = procedureOf(method, path);
      if (!procedure) return false;

      if (method === "POST") {
        if (!h["content-type"]?.startsWith("application/json")) return false;
        // A declared length Node holds the body to; a chunked one is Hono's to count.
        const length = h["content-length"];
        if (length === undefined || h["transfer-encoding"] !== undefined) return false;
        if (Number.parseInt(length, 10) > maxBodyBytes) return false;
        // The same-origin check, on the URL Hono would build; refusals are Hono's to answer.
        const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
        let allowed: boolean;
        try {
          allowed = checkSameOrigin(
            { method, url: `${scheme}://${host}${url}`, headers: headersView(req) },
            publicUrl,
          ).allowed;
        } catch {
          return false;
        }
        if (!allowed) return false;
      } else if (
        h["content-type"] !== undefined &&
        !h["content-type"].startsWith("application/json")
      ) {
        return false;
      }

      serve(req, res, path, procedure, method === "GET" ? "query" : "mutation", batch, input).catch(
        (error) => {
          onInternalError(error);
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
          if (!res.writableEnded) res.end(res.headersSent ? undefined : "Internal Server Error");
        },
      );
      return true;
    },
    /** Calls answered so far. */
    answered: () => answered,
  };
}

/**
 * The headers as @hono/node-server writes the adapter's answer after app.ts's first middleware:
 * the names in Headers' order (sorted), then each Set-Cookie, then Content-Length.
 */
function answerHeaders(resHeaders: Headers, length: number): string[] {
  const all = new Headers([
    ["vary", "trpc-accept, accept"],
    ["content-type", "application/json"],
  ]);
  resHeaders.forEach((value, name) => {
    if (name !== "set-cookie") all.append(name, value);
  });
  all.set("x-content-type-options", "nosniff");
  all.set("cache-control", "no-store");
  const flat: string[] = [];
  all.forEach((value, name) => {
    flat.push(name, value);
  });
  for (const cookie of resHeaders.getSetCookie()) flat.push("set-cookie", cookie);
  flat.push("Content-Length", String(length));
  return flat;
}

/** The body as text, decoded as fetch's `text()` decodes it (UTF-8, a leading BOM dropped). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () =>
      resolve(utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))),
    );
    req.once("error", reject);
    // A client gone before the end of its body: nothing more will come.
    req.once("close", () => {
      if (!req.complete) reject(new Error("the request body was cut off"));
    });
  });
}

/** The adapter's test for data only its streaming link can carry. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  const values = Object.values(value);
  return values.some(isPromise) || values.some(isAsyncIterable);
}

/** The request's headers as the same-origin check reads them. */
function headersView(req: IncomingMessage): Headers {
  return {
    get: (name: string) => headerOf(req, name),
    has: (name: string) => req.headers[name.toLowerCase()] !== undefined,
  } as Headers;
}
