// The baselines: plain node:http handlers, no framework, in their own child process, on the
// same database engine as the app they are compared with (SQLite file or PostgreSQL pool).
// - POST /tickets and POST /exchange run the same SQL as the ticket path (the db package's own
//   functions: API key look-up and use, hashed ticket insert; ticket look-up, conditional
//   consuming UPDATE and session insert in one transaction) and nothing else.
// - POST /turn answers with one SSE event.
// - GET /stream?words=N&windowMs=W writes the builtin model's reply as SSE, one event per delta
//   (W = 0) or batched like the engine (W = 50).
// - GET /idle holds an SSE response open and writes nothing more.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import {
  checkApiKey,
  closeDatabase,
  consumeTicket,
  createApiKey,
  findTicket,
  insertAgentSession,
  insertTicket,
  migrate,
  newSecret,
  openDatabase,
  openPostgres,
  transaction,
} from "@agent-access/db";
import type { ServerOptions } from "../lib/child.ts";
import { serveParent } from "./ipc.ts";
import { coalesced, modelDeltas } from "./model-stream.ts";

const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? "{}") as ServerOptions;
const tokenDelayMs = options.tokenDelayMs ?? 0;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-access-bench-raw-"));
const db = options.databaseUrl
  ? openPostgres(options.databaseUrl)
  : openDatabase(path.join(dir, "raw.db"));
await migrate(db);
const { key } = await createApiKey(db, "bench");

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

function json(res: http.ServerResponse, status: number, value: unknown, headers = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

async function mint(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = JSON.parse(await readBody(req)) as {
    agent_ids: string[];
    context_group: string;
    expires_in: number;
  };
  const presented = /^Bearer\s+(\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  const now = Date.now();
  if ((await checkApiKey(db, presented, now)).status !== "valid") return json(res, 401, {});
  const ticket = newSecret("aat_");
  const expiresAt = now + body.expires_in * 1000;
  await insertTicket(
    db,
    {
      token: ticket,
      agentIds: body.agent_ids,
      sessionType: "static",
      contextGroup: body.context_group,
      issuer: "api_key:bench",
      expiresAt,
    },
    now,
  );
  json(res, 201, { ticket, expires_at: expiresAt, url: `/vanity/agents?ticket=${ticket}` });
}

async function exchange(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { ticket } = JSON.parse(await readBody(req)) as { ticket: string };
  const now = Date.now();
  const found = await findTicket(db, ticket);
  if (!found || found.consumed_at !== null || found.expires_at <= now) return json(res, 401, {});
  const token = newSecret("aas_");
  const row = await transaction(db, async (tx) => {
    const consumed = await consumeTicket(tx, ticket, now);
    return consumed
      ? await insertAgentSession(tx, { token, ticket: consumed, userId: null, signInId: null }, now)
      : null;
  });
  if (!row) return json(res, 401, {});
  json(
    res,
    200,
    { contextGroup: row.context_group, expiresAt: row.expires_at },
    { "set-cookie": `agent_session=${token}; Path=/; HttpOnly; SameSite=Lax` },
  );
}

async function stream(url: URL, req: http.IncomingMessage, res: http.ServerResponse) {
  const words = Number(url.searchParams.get("words") ?? "100");
  const windowMs = Number(url.searchParams.get("windowMs") ?? "0");
  const controller = new AbortController();
  req.on("close", () => controller.abort());
  res.writeHead(200, SSE_HEADERS);
  let seq = 0;
  try {
    for await (const text of coalesced(
      modelDeltas(words, tokenDelayMs, controller.signal),
      windowMs,
    )) {
      const event = { type: "message.delta", messageId: "msg_raw", partIndex: 0, text };
      if (!res.write(`id: ${++seq}\ndata: ${JSON.stringify(event)}\n\n`)) {
        await new Promise((resolve) => res.once("drain", resolve));
      }
    }
    res.end(
      `id: ${++seq}\ndata: ${JSON.stringify({ type: "run.finished", status: "completed" })}\n\n`,
    );
  } catch {
    res.destroy();
  }
}

// Requests still being answered: a load generator stops at its deadline with requests in
// flight, and the database must outlive them (on PostgreSQL they are still waiting on it).
let inFlight = 0;
let drained: (() => void) | undefined;

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://raw");
  const route = `${req.method} ${url.pathname}`;
  const done = (promise: Promise<void>) => {
    inFlight++;
    return promise
      .catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) json(res, 500, {});
      })
      .finally(() => {
        if (--inFlight === 0) drained?.();
      });
  };
  if (route === "POST /tickets") return done(mint(req, res));
  if (route === "POST /exchange") return done(exchange(req, res));
  if (route === "POST /turn") {
    return done(
      readBody(req).then(() => {
        res.writeHead(200, SSE_HEADERS);
        res.end(`id: 1\ndata: ${JSON.stringify({ type: "message.delta", text: "Hi" })}\n\n`);
      }),
    );
  }
  if (route === "GET /stream") return done(stream(url, req, res));
  if (route === "GET /idle") {
    res.writeHead(200, SSE_HEADERS);
    // The same first event as tRPC's SSE, so the client knows the stream is open.
    res.write("event: connected\ndata: {}\n\n");
    return;
  }
  json(res, 404, {});
});
server.keepAliveTimeout = 60_000;

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}`, { apiKey: key }, async () => {
    server.closeAllConnections();
    if (inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          drained = resolve;
        }),
        new Promise((resolve) => setTimeout(resolve, 5000)),
      ]);
    }
    await closeDatabase(db);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
