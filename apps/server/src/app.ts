// The HTTP surface: tRPC at /trpc (queries, mutations, SSE subscriptions), /healthz, and in
// production the built web app with a fallback to index.html for client-side routes.
import fs from "node:fs";
import path from "node:path";
import {
  type ApiDependencies,
  appRouter,
  createContext,
  handleTicketRequest,
} from "@agent-access/api";
import { schemaVersion } from "@agent-access/db";
import { serveStatic } from "@hono/node-server/serve-static";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";

export interface AppOptions extends ApiDependencies {
  /** Folder of the built web app to serve, or null to serve none (development). Default null. */
  webRoot?: string | null;
  /** Called with errors that reach the client as 500s. Default: log to stderr. */
  onInternalError?: (error: unknown) => void;
}

export function createApp(options: AppOptions) {
  const { webRoot = null, onInternalError = (error) => console.error(error) } = options;
  const app = new Hono();

  app.get("/healthz", (c) => {
    options.db.prepare("SELECT 1").get();
    return c.json({ status: "ok", schemaVersion: schemaVersion(options.db) });
  });

  // REST for backends in any language: the same procedure as ticket.create.
  app.post("/session/tickets", (c) => handleTicketRequest(options, c.req.raw));

  app.all("/trpc/*", (c) =>
    fetchRequestHandler({
      endpoint: "/trpc",
      req: c.req.raw,
      router: appRouter,
      createContext: ({ req, resHeaders }) => createContext(options, { req, resHeaders }),
      onError({ error }) {
        if (error.code === "INTERNAL_SERVER_ERROR") onInternalError(error.cause ?? error);
      },
    }),
  );

  if (webRoot) {
    const root = path.relative(process.cwd(), webRoot) || ".";
    const indexHtml = fs.readFileSync(path.join(webRoot, "index.html"), "utf8");
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
    app.use("*", serveStatic({ root }));
    app.get("*", (c) => c.html(indexHtml));
  }

  return app;
}
