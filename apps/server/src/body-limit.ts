// Request body limits. Hono's bodyLimit reads `request.body` first, to see whether there is one;
// on @hono/node-server that one property turns the request into a full fetch Request with a web
// stream over the socket, and every later read (tRPC's `req.json()`, the REST door's
// `req.text()`) goes through that stream instead of the adapter's direct read of the socket
// (about a tenth of the ticket path's server time, benchmark 1). A request that declares its
// length is judged by the header, which Node's parser holds the body to, before anything reads
// it; only a chunked body (no Content-Length) is counted as it arrives, by Hono's middleware.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

export interface BodyLimitOptions {
  /** The largest body, in bytes. */
  maxSize: number;
  /** The answer to a body over the limit. */
  onError: (c: Context) => Response | Promise<Response>;
}

/** Refuses a body over `maxSize` bytes with `onError`'s answer, before or while it arrives. */
export function boundedBody(options: BodyLimitOptions): MiddlewareHandler {
  const counted = bodyLimit(options);
  return async (c, next) => {
    const method = c.req.method;
    // Neither the adapter nor fetch gives a GET or HEAD request a body.
    if (method === "GET" || method === "HEAD") return next();
    const headers = c.req.raw.headers;
    const length = headers.get("content-length");
    if (length !== null && !headers.has("transfer-encoding")) {
      return Number.parseInt(length, 10) > options.maxSize ? options.onError(c) : next();
    }
    return counted(c, next);
  };
}
