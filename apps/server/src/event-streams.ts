// tRPC subscriptions served straight on node:http. A subscription through Hono and tRPC's fetch
// adapter holds, per open stream, a Request and a Response, tRPC's SSE producer (an async
// generator turned into a ReadableStream, a ping wrapper with its own timer, a TransformStream,
// a TextEncoderStream) and @hono/node-server's reader: about 50 kB while nothing happens
// (docs/benchmarks.md, benchmark 4). This answers the same GET with the same procedure (its
// middlewares, input parser and error formatter run as they do under tRPC) and writes the same
// bytes as tRPC 11's `sseStreamProducer`, which `httpSubscriptionLink` reads:
//
//   event: connected\ndata: {"reconnectAfterInactivityMs":20000}\n\n\n   first, always
//   data: <JSON>\nid: <tracked id>\n\n\n                                  each event
//   event: ping\ndata: \n\n\n                                             when quiet
//   event: return\ndata: \n\n\n                                           the end
//   event: serialized-error\ndata: <error shape JSON>\n\n\n               a failure, then the end
//
// An error before the stream (no session, a bad input, NOT_FOUND) is, as in tRPC, a 200 with
// `connected` then `serialized-error`. `lastEventId` comes as tRPC takes it: the Last-Event-ID
// header, else the `lastEventId` query parameter, merged into the input. Pings come from one
// timer for all streams: each quiet stream gets one at most every `ping.intervalMs`.
//
// Anything this does not answer exactly as tRPC would (a batch, a POST, a lazy router, a body,
// tRPC options this does not implement) is left to the Hono app.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type AgentSessionLookup,
  type ApiDependencies,
  EVENT_STREAM_PATH,
  retryAfterHeader,
  takeStreamSlotFor,
} from "@agent-access/api";
import type { AnyProcedure, AnyRouter } from "@trpc/server";
import { isObservable, observableToAsyncIterable } from "@trpc/server/observable";
import {
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAbortError,
  isAsyncIterable,
  isTrackedEnvelope,
  parseConnectionParamsFromString,
  sseHeaders,
  TRPCError,
} from "@trpc/server/unstable-core-do-not-import";
import { headerOf, nodeRequestContext } from "./node-request.ts";

/** The tRPC endpoint the Hono app serves, with its trailing slash. */
const TRPC_PREFIX = "/trpc/";
const SLOT_PATH = EVENT_STREAM_PATH.slice(TRPC_PREFIX.length);

const PING_FRAME = "event: ping\ndata: \n\n\n";
const RETURN_FRAME = "event: return\ndata: \n\n\n";

export interface SubscriptionServerOptions {
  deps: ApiDependencies;
  router: AnyRouter;
  trustProxy: boolean;
  onInternalError: (error: unknown) => void;
}

type ConnectionParams = ReturnType<typeof parseConnectionParamsFromString> | null;

/** One open stream, as the shared ping timer sees it. */
interface OpenStream {
  res: ServerResponse;
  /** Something was written since the last tick. */
  wrote: boolean;
}

/**
 * A node:http handler for GET /trpc/<subscription>: answers and returns true, or returns false
 * (without touching the request) for the caller to pass it on.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions) {
  const { deps, router, trustProxy, onInternalError } = options;
  const config = router._def._config;
  const sse = config.sse ?? {};
  const usable = sse.enabled !== false && !sse.maxDurationMs && !sse.emitAndEndImmediately;
  const connectedFrame = `event: connected\ndata: ${JSON.stringify(sse.client ?? {})}\n\n\n`;
  const pingMs =
    sse.ping?.enabled && sse.ping.intervalMs !== Number.POSITIVE_INFINITY
      ? (sse.ping.intervalMs ?? 1000)
      : 0;

  // One timer for every stream: it ticks twice per interval, and a stream that had nothing
  // written since the previous tick gets a ping, so none stays quiet longer than the interval.
  const open = new Set<OpenStream>();
  let pinger: NodeJS.Timeout | null = null;
  function tick() {
    for (const stream of open) {
      if (!stream.wrote) write(stream, PING_FRAME);
      stream.wrote = false;
    }
  }
  function track(stream: OpenStream) {
    open.add(stream);
    if (!pinger && pingMs > 0) {
      pinger = setInterval(tick, pingMs / 2);
      pinger.unref();
    }
  }
  function untrack(stream: OpenStream) {
    open.delete(stream);
    if (open.size === 0 && pinger) {
      clearInterval(pinger);
      pinger = null;
    }
  }

  /** Writes, and answers false when the socket wants no more for now (or is gone). */
  function write(stream: OpenStream, frame: string): boolean {
    stream.wrote = true;
    const { res } = stream;
    if (res.destroyed || res.writableEnded) return false;
    return res.write(frame);
  }

  /** Waits until the socket drained or closed. */
  function drained(res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }

  function procedureOf(req: IncomingMessage, url: URL): AnyProcedure | null {
    if (!usable || req.method !== "GET") return null;
    if (!url.pathname.startsWith(TRPC_PREFIX) || url.searchParams.has("batch")) return null;
    const h = req.headers;
    if (h["content-type"] || h["content-length"] || h["transfer-encoding"]) return null;
    const path = url.pathname.slice(TRPC_PREFIX.length);
    if (!Object.hasOwn(router._def.procedures, path)) return null;
    const procedure = router._def.procedures[path] as AnyProcedure;
    return procedure._def.type === "subscription" ? procedure : null;
  }

  /** The error shape tRPC would send for `cause`, reporting internal errors as it would. */
  function errorFrame(cause: unknown, ctx: unknown, input: unknown, path: string): string {
    const error = getTRPCErrorFromUnknown(cause);
    if (error.code === "INTERNAL_SERVER_ERROR") onInternalError(error.cause ?? error);
    const shape = getErrorShape({ config, ctx, error, input, path, type: "subscription" });
    return `event: serialized-error\ndata: ${JSON.stringify(config.transformer.output.serialize(shape))}\n\n\n`;
  }

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    procedure: AnyProcedure,
    call: { input: string | null; lastEventId: string | null; connectionParams: ConnectionParams },
  ): Promise<void> {
    const abort = new AbortController();
    // Fires when the response ends or the client goes away, whichever comes first.
    res.once("close", () => abort.abort());

    let release = () => {};
    // The slot's look-up of the agent session, which the procedure's session check then reuses.
    let agentSession: AgentSessionLookup | undefined;
    if (path === SLOT_PATH) {
      const slot = await takeStreamSlotFor(deps, req.headers.cookie, abort.signal);
      if (slot.status === "refused") {
        res.writeHead(429, {
          "content-type": "application/json",
          "retry-after": retryAfterHeader(slot.retryAfterMs),
          "x-content-type-options": "nosniff",
          "cache-control": "no-store",
        });
        res.end(
          JSON.stringify({
            error: {
              message: slot.message,
              code: -32029,
              data: { code: "TOO_MANY_REQUESTS", httpStatus: 429 },
            },
          }),
        );
        return;
      }
      release = slot.release;
      agentSession = slot.agentSession;
    }

    // The input as tRPC reads it: `?input=` (JSON, through the transformer), with lastEventId
    // from the Last-Event-ID header or the query merged in.
    const { input: query, lastEventId, connectionParams } = call;
    let parsed: unknown;
    const getRawInput = async () => {
      try {
        parsed = query ? config.transformer.input.deserialize(JSON.parse(query)) : undefined;
      } catch (cause) {
        // As tRPC's reader answers an input it cannot read.
        if (cause instanceof TRPCError) throw cause;
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: cause instanceof Error ? cause.message : "Invalid input",
          cause,
        });
      }
      if (!lastEventId) return parsed;
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        return { ...parsed, lastEventId };
      }
      return parsed ?? { lastEventId };
    };

    const headers = new Headers();
    const ctx = nodeRequestContext(deps, req, {
      resHeaders: headers,
      connectionParams,
      trustProxy,
      agentSession,
    });
    const stream: OpenStream = { res, wrote: false };
    let events: AsyncIterable<unknown> | null = null;
    let failure: string | null = null;
    try {
      const data: unknown = await procedure({
        path,
        getRawInput,
        ctx,
        type: "subscription",
        signal: abort.signal,
        batchIndex: 0,
      });
      if (isObservable(data)) events = observableToAsyncIterable(data, abort.signal);
      else if (isAsyncIterable(data)) events = data;
      else {
        throw new TRPCError({
          message: `Subscription ${path} did not return an observable or a AsyncGenerator`,
          code: "INTERNAL_SERVER_ERROR",
        });
      }
    } catch (cause) {
      failure = errorFrame(cause, ctx, parsed, path);
    }

    for (const [name, value] of Object.entries(sseHeaders)) headers.set(name, value);
    const head: string[] = [];
    headers.forEach((value, name) => {
      if (name !== "set-cookie") head.push(name, value);
    });
    for (const cookie of headers.getSetCookie()) head.push("set-cookie", cookie);
    res.writeHead(200, head);
    try {
      write(stream, connectedFrame);
      if (failure || !events) {
        if (failure) write(stream, failure);
        return;
      }
      // A client gone while the procedure ran: its generator has not started, nothing to end.
      if (res.destroyed) return;
      track(stream);
      try {
        const serialize = config.transformer.output.serialize;
        for await (const value of events) {
          const frame = isTrackedEnvelope(value)
            ? `data: ${JSON.stringify(serialize(value[1]))}\nid: ${value[0]}\n\n\n`
            : `data: ${JSON.stringify(serialize(value))}\n\n\n`;
          if (!write(stream, frame) && !res.destroyed) await drained(res);
          if (res.destroyed) break;
        }
        write(stream, RETURN_FRAME);
      } catch (cause) {
        if (!isAbortError(cause)) write(stream, errorFrame(cause, ctx, parsed, path));
      }
    } finally {
      untrack(stream);
      release();
      if (!res.writableEnded) res.end();
    }
  }

  return {
    /** Answers `req` if it is a subscription this serves; false to pass it on. */
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      if (req.method !== "GET" || !req.url?.startsWith(TRPC_PREFIX)) return false;
      const url = requestUrl(req);
      if (!url) return false;
      const procedure = procedureOf(req, url);
      if (!procedure) return false;
      const path = url.pathname.slice(TRPC_PREFIX.length);
      const search = url.searchParams;
      const params = search.get("connectionParams");
      let connectionParams: ConnectionParams = null;
      try {
        connectionParams = params === null ? null : parseConnectionParamsFromString(params);
      } catch {
        // tRPC answers a malformed one with its own error response.
        return false;
      }
      // Strings only: what serve's closures keep outlives the URL's objects.
      const call = {
        input: search.get("input"),
        lastEventId:
          headerOf(req, "last-event-id") ??
          search.get("lastEventId") ??
          search.get("Last-Event-Id"),
        connectionParams,
      };
      serve(req, res, path, procedure, call).catch((error) => {
        onInternalError(error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        if (!res.writableEnded) res.end(res.headersSent ? undefined : "Internal Server Error");
      });
      return true;
    },
    /** Streams open now. */
    size: () => open.size,
  };
}

/** The request's URL as @hono/node-server builds it (from the Host header), or null. */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url!, `http://${req.headers.host ?? "localhost"}`);
  } catch {
    return null;
  }
}
