// The error answer of every REST route (POST /session/tickets and /v1/*, and the server's
// same-origin refusal before them), made in one place so that they all keep the same shape:
// { error: { code, message }, code, message }.
import { isDatabaseUnavailable } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { z } from "zod";

/** The REST code of each tRPC error code; others are the tRPC code in lower case. */
export const ERROR_CODES: Partial<Record<TRPCError["code"], string>> = {
  BAD_REQUEST: "invalid_request",
  UNAUTHORIZED: "unauthorized",
  FORBIDDEN: "forbidden",
  NOT_FOUND: "not_found",
  CONFLICT: "conflict",
  UNPROCESSABLE_CONTENT: "unprocessable_request",
  TOO_MANY_REQUESTS: "rate_limited",
  PAYLOAD_TOO_LARGE: "payload_too_large",
  UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
  SERVICE_UNAVAILABLE: "service_unavailable",
};

/** What a request is told while the database cannot be reached (503). */
export const DATABASE_UNAVAILABLE_MESSAGE =
  "The database cannot be reached right now: try again in a few seconds.";

/** Seconds a client is asked to wait before retrying after a 503 (Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const code = z
  .string()
  .meta({ description: "Stable, e.g. invalid_request, forbidden, not_found." });
const message = z.string().meta({ description: "What went wrong and what to do, for a person." });

/** The shape of every error answer, as the OpenAPI document describes it. */
export const errorSchema = z
  .object({ error: z.object({ code, message }), code, message })
  .meta({ id: "Error" });

/**
 * The body of every refusal: `{ error: { code, message }, code, message }`, the one place its
 * shape is made. The top-level copies are what Wacht's own backend client (`@wacht/backend`)
 * reads, so code written for it runs unchanged; `error` is what our SDK reads. Codes are
 * lower-case snake_case, e.g. `forbidden`.
 */
export function restError(code: string, message: string): z.output<typeof errorSchema> {
  return { error: { code, message }, code, message };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers?: Headers,
): Response {
  return Response.json(restError(code, message), { status, headers });
}

/** The zod issues of a bad input as one line per field, e.g. "agent_ids: expected array". */
export function describeIssues(error: z.ZodError, whole = "body"): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : whole}: ${issue.message}`)
    .join("; ");
}

/**
 * The 503 of a request that needed the database while it was out of reach, or null when
 * `error` is not that. The server's last-resort error handler answers with it too.
 */
export function databaseUnavailableResponse(error: unknown, headers?: Headers): Response | null {
  if (!isDatabaseUnavailable(error)) return null;
  const answer = new Headers(headers);
  answer.set("retry-after", String(DATABASE_RETRY_AFTER_SECONDS));
  return errorResponse(503, "service_unavailable", DATABASE_UNAVAILABLE_MESSAGE, answer);
}

/**
 * A tRPC error as a REST answer, and the database out of reach as a 503; anything else is
 * rethrown (a 500 for the server to log).
 */
export function trpcErrorResponse(error: unknown, headers?: Headers): Response {
  const unavailable = databaseUnavailableResponse(error, headers);
  if (unavailable) return unavailable;
  if (!(error instanceof TRPCError)) throw error;
  const message = error.cause instanceof z.ZodError ? describeIssues(error.cause) : error.message;
  return errorResponse(
    getHTTPStatusCodeFromError(error),
    ERROR_CODES[error.code] ?? error.code.toLowerCase(),
    message,
    headers,
  );
}
