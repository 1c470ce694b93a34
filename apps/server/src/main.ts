// Starts the server: validates the environment, migrates the database (and seeds the demo data
// in development), listens, and on SIGTERM/SIGINT closes HTTP first, then the database.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { createAuth } from "@agent-access/auth";
import { migrate, openDatabase } from "@agent-access/db";
import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { EnvError, parseEnv } from "./env.ts";
import { seedIfEmpty } from "./seed.ts";

function loadEnv() {
  try {
    return parseEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const env = loadEnv();
const production = env.NODE_ENV === "production";
const db = openDatabase(env.DATABASE_PATH);
migrate(db);
if (!production) await seedIfEmpty(db, env);

const webRoot = fileURLToPath(new URL("../../web/dist/", import.meta.url));
if (production && !fs.existsSync(`${webRoot}/index.html`)) {
  console.error("The web app is not built: run `pnpm build` before `pnpm start`.");
  process.exit(1);
}

const auth = createAuth({ db, publicUrl: env.PUBLIC_URL });
const app = createApp({
  db,
  config: { publicUrl: env.PUBLIC_URL },
  auth,
  trustProxy: env.TRUST_PROXY,
  webRoot: production ? webRoot : null,
});

// Expired sign-in sessions are refused anyway; this only keeps the table small.
await auth.deleteExpiredSessions();
const sweep = setInterval(() => void auth.deleteExpiredSessions(), 60 * 60_000);
sweep.unref();

const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  console.log(`Agent Access server listening on http://${env.HOST}:${info.port}`);
  console.log(`Open ${env.PUBLIC_URL}`);
});

let closing = false;
function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  console.log(`${signal}: closing HTTP, then the database`);
  clearInterval(sweep);
  server.close(() => {
    db.close();
    process.exit(0);
  });
  // Open event streams would hold close() forever; give requests a moment, then cut them.
  if ("closeIdleConnections" in server) server.closeIdleConnections();
  setTimeout(() => {
    if ("closeAllConnections" in server) server.closeAllConnections();
  }, 2000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
