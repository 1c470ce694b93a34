// The answer to an attempt refused by a rate limit: 429 with a Retry-After header in seconds.
import { retryAfterSeconds } from "@agent-access/auth";
import { TRPCError } from "@trpc/server";

/** Sets Retry-After on the response and returns the TOO_MANY_REQUESTS error to throw. */
export function tooManyRequests(
  resHeaders: Headers,
  retryAfterMs: number,
  message: string,
): TRPCError {
  resHeaders.set("Retry-After", String(retryAfterSeconds(retryAfterMs)));
  return new TRPCError({ code: "TOO_MANY_REQUESTS", message });
}

/** The Retry-After header's value for a wait of `retryAfterMs`. */
export function retryAfterHeader(retryAfterMs: number): string {
  return String(retryAfterSeconds(retryAfterMs));
}
