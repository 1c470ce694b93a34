// The HTTP server's socket timeouts. Node closes an idle keep-alive socket after 5 s by default,
// shorter than a load balancer's idle timeout (often 60 s) and short enough that a client
// reusing a socket at that moment gets a reset ("fetch failed") when its event loop is slow.
// Idle sockets are kept 65 s, past common load balancers' 60 s, so the balancer (or client)
// always closes first; the headers deadline must exceed it, as Node requires.
import type { Server } from "node:http";

export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function tuneHttpServer(server: Pick<Server, "keepAliveTimeout" | "headersTimeout">): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
}
