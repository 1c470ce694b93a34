// The package's own tRPC hooks and error helpers. Only the router's type crosses from the server.
import type { AppRouter } from "@agent-access/api";
import { isTRPCClientError } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";

/** Typed tRPC hooks over the Agent Access router, bound to AgentAccessProvider's client. */
export const trpc = createTRPCReact<AppRouter>();

/** The client AgentAccessProvider creates (`trpc.createClient`). */
export type AgentAccessTRPCClient = ReturnType<typeof trpc.createClient>;

/**
 * The tRPC error code of a failed call ("UNAUTHORIZED", "NOT_FOUND", "CONFLICT"...), or null for
 * anything else (a network failure, an error thrown by the app's `getTicket`).
 */
export function errorCode(error: unknown): string | null {
  return isTRPCClientError<AppRouter>(error) ? (error.data?.code ?? null) : null;
}

/** The server refused the call for want of a live agent session. */
export function isUnauthorized(error: unknown): boolean {
  return errorCode(error) === "UNAUTHORIZED";
}

/**
 * Retry policy for queries: a 4xx answer (no session, not found, bad input) will not change on a
 * second try, so only network failures and server errors are retried, twice.
 */
export function retryUnlessRefused(failureCount: number, error: unknown): boolean {
  if (!isTRPCClientError<AppRouter>(error)) return failureCount < 2;
  const status = error.data?.httpStatus ?? 0;
  return failureCount < 2 && (status === 0 || status >= 500);
}

/** Any thrown value as an Error, for the hooks' `error` fields. */
export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
