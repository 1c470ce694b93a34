// The real app in a child process, as `pnpm start` runs it: Hono, tRPC, the run engine with the
// builtin model and the server's webhook recorder, and a WAL database in a temporary file or, given a URL, PostgreSQL (a pool of
// DATABASE_POOL_SIZE's default, 10 connections). Beside it, under /bench/, the same model
// stream sent over the same tRPC SSE without the engine ("persistence off").
import fs from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createAgentRegistry, createAgentRuntime, createBuiltinModel } from "@agent-access/agents";
import { testAssistant } from "@agent-access/agents/testing";
import {
  AgentLimits,
  DEFAULT_AGENT_LIMITS,
  DEFAULT_CONTEXT_GROUP_PATTERN,
} from "@agent-access/api";
import { closeDatabase, createApiKey, migrate, openDatabase, openPostgres } from "@agent-access/db";
import { createAppServer } from "@agent-access/server";
import { getRequestListener } from "@hono/node-server";
// The server's own commit hook, as main.ts sets it (no endpoint is configured here, so it only
// looks them up for the events that could go to one).
import { recordWebhookEvents } from "../../apps/server/src/webhooks/index.ts";
import type { ServerOptions } from "../lib/child.ts";
import { serveParent } from "./ipc.ts";
import { createStreamOffApp } from "./stream-off.ts";

const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? "{}") as ServerOptions;
const tokenDelayMs = options.tokenDelayMs ?? 0;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-access-bench-"));
const db = options.databaseUrl
  ? openPostgres(options.databaseUrl)
  : openDatabase(path.join(dir, "app.db"));
await migrate(db);
const { key } = await createApiKey(db, "bench");

const agents = createAgentRegistry([testAssistant]);
const runtime = createAgentRuntime({
  db,
  agents,
  model: createBuiltinModel({ tokenDelayMs }),
  // Benchmark 3 asks for one reply of 20,000 tokens, above AGENT_MAX_OUTPUT_TOKENS' default.
  maxOutputTokens: 1_000_000,
  onCommit: recordWebhookEvents(),
  onError: (error) => console.error(error),
});
// The benchmarks open hundreds of streams and send hundreds of messages from one browser session
// (one tenant): every quota is set far above that, so the checks still run on each call but
// none refuses one.
const limits = new AgentLimits(
  db,
  Object.fromEntries(Object.keys(DEFAULT_AGENT_LIMITS).map((name) => [name, 1_000_000])),
);
const { listener } = createAppServer({
  db,
  config: { publicUrl: "http://127.0.0.1", contextGroupPattern: DEFAULT_CONTEXT_GROUP_PATTERN },
  agents,
  runtime,
  limits,
});
const streamOff = createStreamOffApp(tokenDelayMs);

// Requests still being answered: a load generator stops at its deadline with requests in
// flight, and the database must outlive them (on PostgreSQL they are still waiting on it).
let inFlight = 0;
let drained: (() => void) | undefined;
const benchRoutes = getRequestListener(streamOff.fetch);

const server = createServer((req, res) => {
  inFlight++;
  res.once("close", () => {
    if (--inFlight === 0) drained?.();
  });
  if (req.url?.startsWith("/bench/")) void benchRoutes(req, res);
  else listener(req, res);
});
server.listen(0, "127.0.0.1");
// As the raw server's: the client's keep-alive sockets outlive a pause between benchmark phases
// (Node's default of 5 s closes them under the client's feet: "socket hang up").
if ("keepAliveTimeout" in server) server.keepAliveTimeout = 60_000;
server.once("listening", () => {
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}`, { apiKey: key }, async () => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    if (inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          drained = resolve;
        }),
        new Promise((resolve) => setTimeout(resolve, 5000)),
      ]);
    }
    await runtime.close();
    await closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
