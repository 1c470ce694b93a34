// The real app in a child process, as `pnpm start` runs it: Hono, tRPC, the run engine with the
// builtin model, and a WAL database in a temporary file. Beside it, under /bench/, the same model
// stream sent over the same tRPC SSE without the engine ("persistence off").
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createAgentRegistry, createAgentRuntime, createBuiltinModel } from "@agent-access/agents";
import { testAssistant } from "@agent-access/agents/testing";
import { DEFAULT_CONTEXT_GROUP_PATTERN } from "@agent-access/api";
import { createApiKey, migrate, openDatabase } from "@agent-access/db";
import { createApp } from "@agent-access/server";
import { serve } from "@hono/node-server";
import type { ServerOptions } from "../lib/child.ts";
import { serveParent } from "./ipc.ts";
import { createStreamOffApp } from "./stream-off.ts";

const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? "{}") as ServerOptions;
const tokenDelayMs = options.tokenDelayMs ?? 0;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-access-bench-"));
const db = openDatabase(path.join(dir, "app.db"));
migrate(db);
const { key } = createApiKey(db, "bench");

const agents = createAgentRegistry([testAssistant]);
const runtime = createAgentRuntime({
  db,
  agents,
  model: createBuiltinModel({ tokenDelayMs }),
  onError: (error) => console.error(error),
});
const app = createApp({
  db,
  config: { publicUrl: "http://127.0.0.1", contextGroupPattern: DEFAULT_CONTEXT_GROUP_PATTERN },
  agents,
  runtime,
});
const streamOff = createStreamOffApp(tokenDelayMs);

const server = serve({
  fetch: (request, env) =>
    new URL(request.url).pathname.startsWith("/bench/")
      ? streamOff.fetch(request, env)
      : app.fetch(request, env),
  port: 0,
  hostname: "127.0.0.1",
});
server.once("listening", () => {
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}`, { apiKey: key }, async () => {
    if ("closeAllConnections" in server) server.closeAllConnections();
    await runtime.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
