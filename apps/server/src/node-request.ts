// What the node:http paths (event-streams.ts, trpc-direct.ts) need of a request to make its
// tRPC context without a fetch Request: its headers as `Headers.get` reads them, and the
// context itself, with the client IP taken as Hono's routes take it (TRUST_PROXY).
import type { IncomingMessage } from "node:http";
import {
  type AgentSessionLookup,
  type ApiDependencies,
  createRequestContext,
} from "@agent-access/api";
import { clientIp } from "./client-ip.ts";

/** A header of a node request as `Headers.get` answers it: repeated ones joined, else null. */
export function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The request's tRPC context, as the fetch adapter's `createContext` in app.ts makes it. */
export function nodeRequestContext(
  deps: ApiDependencies,
  req: IncomingMessage,
  options: {
    resHeaders: Headers;
    connectionParams: Partial<Record<string, string>> | null;
    trustProxy: boolean;
    /** The request's agent session, when already looked up (the stream's slot). */
    agentSession?: AgentSessionLookup;
  },
) {
  return createRequestContext(deps, {
    req: { headers: { get: (name) => headerOf(req, name) } },
    resHeaders: options.resHeaders,
    connectionParams: options.connectionParams,
    agentSession: options.agentSession,
    clientIp: clientIp(
      req.socket.remoteAddress,
      (req.headers["x-forwarded-for"] as string | undefined) ?? null,
      options.trustProxy,
    ),
  });
}
