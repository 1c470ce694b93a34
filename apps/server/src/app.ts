// The HTTP surface: tRPC at /trpc (queries, mutations, SSE subscriptions), /healthz, REST for
// backends (/session/tickets, the host API at /v1), and in production the built web app with a
// fallback to index.html for client-side routes. Every request that may change state passes the
// same-origin check first.
import fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { DEFAULT_MAX_FILE_BYTES, MAX_FILES_PER_MESSAGE } from "@agent-access/agents";
import {
  AgentLimits,
  type AgentSessionLookup,
  type ApiDependencies,
  attachmentBodyMaxBytes,
  createRequestContext,
  DATABASE_UNAVAILABLE_MESSAGE,
  databaseUnavailableResponse,
  EVENT_STREAM_PATH,
  handleAttachmentDownload,
  handleAttachmentUpload,
  handleOpenApiRequest,
  handleTicketRequest,
  honoPath,
  hostApiRoutes,
  MAX_BATCH_SIZE,
  releaseWhenDone,
  restError,
  retryAfterHeader,
  serveRoute,
  TICKET_BODY_MAX_BYTES,
  takeStreamSlot,
} from "@agent-access/api";
import {
  type Auth,
  checkSameOrigin,
  createAuth,
  createRateLimiter,
  type RateLimiter,
} from "@agent-access/auth";
import { schemaVersion } from "@agent-access/db";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { serveStatic } from "@hono/node-server/serve-static";
import type { AnyRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { boundedBody } from "./body-limit.ts";
import { clientIp } from "./client-ip.ts";
import { createSubscriptionServer } from "./event-streams.ts";
import { appRouter } from "./router.ts";
import { createDirectCalls } from "./trpc-direct.ts";

/**
 * The largest tRPC request body, in bytes. The longest message (32,000 characters) is at most
 * about 192 KB as JSON even if every character is escaped, so this leaves room for a batch.
 */
export const TRPC_BODY_MAX_BYTES = 1024 * 1024;

export interface AppOptions extends Omit<ApiDependencies, "auth" | "exchangeFailures" | "limits"> {
  /** The sign-in service. Default: createAuth over `db`, `config.publicUrl` and `now`. */
  auth?: Auth;
  /**
   * Failed ticket exchanges allowed per IP. Default: 10 at once, then one more every 6 s, in the
   * database on PostgreSQL (shared by every instance), in memory on SQLite.
   */
  exchangeFailures?: RateLimiter;
  /** Quotas of agent sessions and context groups. Default: DEFAULT_AGENT_LIMITS. */
  limits?: AgentLimits;
  /**
   * Take the client IP from X-Forwarded-For (its last entry) because exactly one reverse proxy
   * stands in front. Default false: the socket's address.
   */
  trustProxy?: boolean;
  /** Folder of the built web app to serve, or null to serve none (development). Default null. */
  webRoot?: string | null;
  /** The tRPC router at /trpc. Default: the framework's and app.config.ts's (router.ts). */
  router?: AnyRouter;
  /** Called with errors that reach the client as 500s. Default: log to stderr. */
  onInternalError?: (error: unknown) => void;
  /**
   * The runtime's largest attached file, in bytes, which sizes the upload route's body limit.
   * Default 10 MB, the runtime's default.
   */
  attachmentMaxFileBytes?: number;
}

/** The Hono app alone: every route, subscriptions through tRPC's fetch adapter. */
export function createApp(options: AppOptions) {
  return createAppServer(options).app;
}

/**
 * The app as node:http serves it: `listener` answers tRPC subscriptions (the event streams)
 * itself, with the same procedures and the same bytes as tRPC but a fraction of the memory per
 * open stream (event-streams.ts), and single tRPC queries and mutations, with the same answers
 * and the same protections as the Hono pipeline below but a fraction of its time per call
 * (trpc-direct.ts); it passes every other request to the Hono `app`.
 */
export function createAppServer(options: AppOptions) {
  const {
    webRoot = null,
    trustProxy = false,
    onInternalError = (error) => console.error(error),
    attachmentMaxFileBytes = DEFAULT_MAX_FILE_BYTES,
  } = options;
  const uploadMaxBytes = attachmentBodyMaxBytes(attachmentMaxFileBytes);
  const deps: ApiDependencies = {
    ...options,
    auth:
      options.auth ??
      createAuth({ db: options.db, publicUrl: options.config.publicUrl, now: options.now }),
    exchangeFailures:
      options.exchangeFailures ??
      createRateLimiter(options.db, "exchange", { capacity: 10, refillIntervalMs: 6_000 }),
    limits: options.limits ?? new AgentLimits(options.db),
  };
  const app = new Hono<{ Bindings: HttpBindings }>();

  // Every JSON answer (tRPC, REST, health; refusals included) is data for a program: never to
  // be sniffed into a script or a page, and never kept by a cache, since it may hold a user's
  // conversations or a ticket. Registered first, so it sees every answer the others give.
  app.use("*", async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.get("content-type")?.startsWith("application/json")) return;
    // Set on the answer's own headers: `c.header` after the handler rebuilds the answer around
    // its body as a stream, which the Node adapter then copies chunk by chunk instead of
    // writing the string at once (benchmark 1). A few answers' headers cannot change (those of
    // `Response.redirect`, `Response.error` or a `fetch`): those go the long way.
    try {
      headers.set("X-Content-Type-Options", "nosniff");
      headers.set("Cache-Control", "no-store");
    } catch {
      c.header("X-Content-Type-Options", "nosniff");
      c.header("Cache-Control", "no-store");
    }
  });

  // One place for the CSRF defence: every non-GET request, tRPC mutations (always POST) and REST
  // routes alike, is checked before routing, so a refused request changes nothing. The rule and
  // why server-to-server calls without Origin pass: packages/auth/src/same-origin.ts.
  app.use("*", async (c, next) => {
    const verdict = checkSameOrigin(c.req.raw, options.config.publicUrl);
    if (!verdict.allowed) {
      return c.json(restError("forbidden", verdict.reason), 403);
    }
    await next();
  });

  // Neither tRPC's fetch adapter nor the REST handler bounds what it reads, so without this a
  // client could stream an endless body into memory. Counted as it arrives (or judged by
  // Content-Length), and refused with 413 as soon as it is over. The rest of the body is never
  // read, so the connection closes with the answer rather than being offered for reuse.
  app.use(
    "/trpc/*",
    boundedBody({
      maxSize: TRPC_BODY_MAX_BYTES,
      onError: (c) =>
        c.json(
          {
            error: {
              message: `the request body is over ${TRPC_BODY_MAX_BYTES} bytes`,
              code: -32013,
              data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 },
            },
          },
          413,
          { connection: "close" },
        ),
    }),
  );
  const restBodyLimit = boundedBody({
    maxSize: TICKET_BODY_MAX_BYTES,
    onError: (c) =>
      c.json(
        restError("payload_too_large", `the body is over ${TICKET_BODY_MAX_BYTES} bytes`),
        413,
        { connection: "close" },
      ),
  });
  app.use("/session/tickets", restBodyLimit);
  app.use("/v1/*", restBodyLimit);

  // Uploads: ten files at the largest size and their framing. Each file's own limit is the
  // runtime's, checked with a message naming the file.
  app.use(
    "/attachments",
    boundedBody({
      maxSize: uploadMaxBytes,
      onError: (c) =>
        c.json(
          restError(
            "payload_too_large",
            `the upload is over ${uploadMaxBytes} bytes: at most ${MAX_FILES_PER_MESSAGE} files of ${attachmentMaxFileBytes} bytes each`,
          ),
          413,
          { connection: "close" },
        ),
    }),
  );

  // The vanity page's URL carries a ticket: it sends no Referer at all. Registered before the
  // hardening below so that it has the last word on this header.
  app.use("/vanity/agents", async (c, next) => {
    await next();
    c.header("Referrer-Policy", "no-referrer");
  });

  // For load balancers and orchestrators: 200 while the database answers (one query), 503 while
  // it does not, so that an instance cut off from PostgreSQL is taken out of rotation until it
  // reaches it again.
  app.get("/healthz", async (c) => {
    let version: number;
    try {
      version = await schemaVersion(options.db);
    } catch {
      return c.json({ status: "unavailable", message: DATABASE_UNAVAILABLE_MESSAGE }, 503);
    }
    return c.json({ status: "ok", schemaVersion: version });
  });

  // The last resort: an error no route answered. The database out of reach is a 503 in the
  // REST shape (the pool reconnects by itself when it is back); anything else, as Hono's own
  // handler would: an HTTPException's answer, or a 500, logged.
  app.onError((error, c) => {
    const unavailable = databaseUnavailableResponse(error);
    if (unavailable) return unavailable;
    if (error instanceof HTTPException) return error.getResponse();
    onInternalError(error);
    return c.text("Internal Server Error", 500);
  });

  // REST for backends in any language: the same procedure as ticket.create.
  app.post("/session/tickets", (c) => handleTicketRequest(deps, c.req.raw));

  // Files of conversations: upload for the next message, private download (rest/attachments.ts).
  app.post("/attachments", (c) =>
    handleAttachmentUpload(deps, {
      req: c.req.raw,
      clientIp: clientIp(
        getConnInfo(c).remote.address,
        c.req.header("x-forwarded-for") ?? null,
        trustProxy,
      ),
    }),
  );
  app.get("/attachments/:id", (c) =>
    handleAttachmentDownload(
      deps,
      {
        req: c.req.raw,
        clientIp: clientIp(
          getConnInfo(c).remote.address,
          c.req.header("x-forwarded-for") ?? null,
          trustProxy,
        ),
      },
      c.req.param("id"),
    ),
  );

  // A batch is refused whole, before any of its calls runs, when it holds more than
  // MAX_BATCH_SIZE calls: one request must not be able to start hundreds of runs.
  app.use("/trpc/*", async (c, next) => {
    if (c.req.query("batch") !== "1") return next();
    const calls = c.req.path.slice("/trpc/".length).split(",").length;
    if (calls <= MAX_BATCH_SIZE) return next();
    return c.json(
      {
        error: {
          message: `a batch may hold at most ${MAX_BATCH_SIZE} calls, this one holds ${calls}: send them in smaller batches`,
          code: -32600,
          data: { code: "BAD_REQUEST", httpStatus: 400 },
        },
      },
      400,
    );
  });

  // The open-event-stream limit: a real 429 before tRPC opens a stream; the slot is held until
  // the stream's response ends or its client goes away. The slot's look-up of the agent session
  // is kept per request for the stream's session check to reuse (createContext below).
  const slotSessions = new WeakMap<Request, AgentSessionLookup>();
  app.get(EVENT_STREAM_PATH, async (c, next) => {
    const slot = await takeStreamSlot(deps, c.req.raw);
    if (slot.status === "refused") {
      return c.json(
        {
          error: {
            message: slot.message,
            code: -32029,
            data: { code: "TOO_MANY_REQUESTS", httpStatus: 429 },
          },
        },
        429,
        { "Retry-After": retryAfterHeader(slot.retryAfterMs) },
      );
    }
    slotSessions.set(c.req.raw, slot.agentSession);
    try {
      await next();
    } catch (error) {
      slot.release();
      throw error;
    }
    if (!c.res.body) slot.release();
    else c.res = new Response(releaseWhenDone(c.res.body, slot.release), c.res);
  });
  // The host API for backends (packages/api/src/rest/v1): its route table, and its description.
  app.get("/v1/openapi.json", () => handleOpenApiRequest(deps));
  for (const route of hostApiRoutes) {
    app.on(route.method.toUpperCase(), honoPath(route), (c) =>
      serveRoute(route, deps, c.req.raw, c.req.param()),
    );
  }
  app.all("/v1/*", (c) =>
    c.json(restError("not_found", "no such route: see /v1/openapi.json"), 404),
  );

  const router = options.router ?? appRouter;
  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      // Also enforced by tRPC itself, should a request reach it unchecked.
      maxBatchSize: MAX_BATCH_SIZE,
      req: c.req.raw,
      router,
      createContext: ({ req, resHeaders, info }) =>
        createRequestContext(deps, {
          req,
          resHeaders,
          connectionParams: info.connectionParams,
          agentSession: slotSessions.get(req),
          clientIp: clientIp(
            getConnInfo(c).remote.address,
            c.req.header("x-forwarded-for") ?? null,
            trustProxy,
          ),
        }),
      onError({ error }) {
        if (error.code === "INTERNAL_SERVER_ERROR") onInternalError(error.cause ?? error);
      },
    }),
  );

  if (webRoot) {
    const root = path.relative(process.cwd(), webRoot) || ".";
    const indexHtml = fs.readFileSync(path.join(webRoot, "index.html"), "utf8");
    const vanityHtml = fs.readFileSync(path.join(webRoot, "vanity.html"), "utf8");
    // Hardening of the pages; API answers, routed above, are JSON and need none of it. The content
    // security policy allows only this origin's scripts, styles, connections and images: a
    // model's Markdown cannot load a remote image, which would otherwise leak what it writes
    // into the image's URL. Frames only from this origin, except that the vanity page may also
    // be framed by the origins of FRAME_ANCESTORS (and then sends no X-Frame-Options, which
    // cannot name them).
    const pageHeaders = (frameAncestors: string[]) =>
      secureHeaders({
        contentSecurityPolicy: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", "data:"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'self'", ...frameAncestors],
        },
        xFrameOptions: frameAncestors.length > 0 ? false : "SAMEORIGIN",
        referrerPolicy: "strict-origin-when-cross-origin",
        crossOriginEmbedderPolicy: false,
      });
    const appPageHeaders = pageHeaders([]);
    const vanityPageHeaders = pageHeaders([...(options.config.frameAncestors ?? [])]);
    app.use("*", (c, next) =>
      c.req.path === "/vanity/agents" ? vanityPageHeaders(c, next) : appPageHeaders(c, next),
    );

    app.use(
      "/assets/*",
      serveStatic({
        root,
        onFound: (_path, c) => {
          // File names under /assets carry a content hash, so they never change.
          c.header("Cache-Control", "public, max-age=31536000, immutable");
        },
      }),
    );
    // The vanity page is a page of its own (vanity.html), without the host app's router.
    app.get("/vanity/agents", (c) => c.html(vanityHtml));
    app.use("*", serveStatic({ root }));
    app.get("*", (c) => c.html(indexHtml));
  }

  const subscriptions = createSubscriptionServer({
    deps,
    router,
    trustProxy,
    onInternalError,
  });
  const calls = createDirectCalls({
    deps,
    router,
    trustProxy,
    onInternalError,
    maxBodyBytes: TRPC_BODY_MAX_BYTES,
  });
  const rest = getRequestListener(app.fetch);
  return {
    app,
    subscriptions,
    calls,
    listener(req: IncomingMessage, res: ServerResponse): void {
      if (!subscriptions.handle(req, res) && !calls.handle(req, res)) void rest(req, res);
    },
  };
}
