// The peer of benchmark 8: what a team would write instead of this app, the AI SDK's own chat
// route as its documentation shows it. A plain Hono route takes useChat's request (the UI
// messages so far), hands them to streamText with the same builtin model as the app's engine,
// and answers with toUIMessageStreamResponse(): the reply as the AI SDK's UI message stream
// (SSE). Nothing is stored, nobody is signed in, no tenant is checked, no quota counted.
import type { AddressInfo } from "node:net";
import { createBuiltinModel } from "@agent-access/agents";
import { serve } from "@hono/node-server";
import { convertToModelMessages, streamText, type UIMessage } from "ai";
import { Hono } from "hono";
import type { ServerOptions } from "../lib/child.ts";
import { serveParent } from "./ipc.ts";

const options = JSON.parse(process.env.BENCH_SERVER_OPTIONS ?? "{}") as ServerOptions;
const model = createBuiltinModel({ tokenDelayMs: options.tokenDelayMs ?? 0 });

const app = new Hono();
app.post("/api/chat", async (c) => {
  const { messages } = await c.req.json<{ messages: UIMessage[] }>();
  const result = streamText({ model, messages: await convertToModelMessages(messages) });
  return result.toUIMessageStreamResponse();
});

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
// As the other servers': the client's keep-alive sockets outlive a pause between phases.
if ("keepAliveTimeout" in server) server.keepAliveTimeout = 60_000;
server.once("listening", () => {
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}`, {}, async () => {
    if ("closeAllConnections" in server) server.closeAllConnections();
  });
});
