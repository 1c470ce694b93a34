// POST /session/tickets: the reference page's REST door for backends in any language. It runs
// the same procedure as ticket.create and turns its errors into restError's body.
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { z } from "zod";
import { type ApiDependencies, createRequestContext } from "../context.ts";
import { appRouter } from "../root.ts";

/** The largest ticket request body, in bytes. The server also refuses more while it arrives. */
export const TICKET_BODY_MAX_BYTES = 64 * 1024;

const ERROR_CODES: Partial<Record<TRPCError["code"], string>> = {
  BAD_REQUEST: "invalid_request",
  UNAUTHORIZED: "unauthorized",
  FORBIDDEN: "forbidden",
  UNPROCESSABLE_CONTENT: "unprocessable_request",
  TOO_MANY_REQUESTS: "rate_limited",
  PAYLOAD_TOO_LARGE: "payload_too_large",
  UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
};

/**
 * The body of every refusal on the REST door (and of the server's same-origin refusal, which
 * stands before it): `{ error: { code, message }, code, message }`. The top-level copies are
 * what Wacht's own backend client (`@wacht/backend`) reads, so code written for it runs
 * unchanged; `error` is what our SDK reads. Codes are lower-case snake_case, e.g. `forbidden`.
 */
export function restError(
  code: string,
  message: string,
): { error: { code: string; message: string }; code: string; message: string } {
  return { error: { code, message }, code, message };
}

function errorResponse(status: number, code: string, message: string, headers?: Headers): Response {
  return Response.json(restError(code, message), { status, headers });
}

/** The zod issues of a bad body as one line per field, e.g. "agent_ids: expected array". */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

async function readJson(
  req: Request,
): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return {
      ok: false,
      response: errorResponse(
        415,
        "unsupported_media_type",
        "send the body as JSON with Content-Type: application/json",
      ),
    };
  }
  const text = await req.text();
  if (Buffer.byteLength(text) > TICKET_BODY_MAX_BYTES) {
    return {
      ok: false,
      response: errorResponse(
        413,
        "payload_too_large",
        `the body is over ${TICKET_BODY_MAX_BYTES} bytes`,
      ),
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      response: errorResponse(400, "invalid_json", "the body is not valid JSON"),
    };
  }
}

export async function handleTicketRequest(deps: ApiDependencies, req: Request): Promise<Response> {
  const body = await readJson(req);
  if (!body.ok) return body.response;
  const resHeaders = new Headers();
  const caller = appRouter.createCaller(createRequestContext(deps, { req, resHeaders }));
  try {
    const ticket = await caller.ticket.create(body.value as never);
    return Response.json(ticket, { status: 201, headers: resHeaders });
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const message = error.cause instanceof z.ZodError ? describeIssues(error.cause) : error.message;
    return errorResponse(
      getHTTPStatusCodeFromError(error),
      ERROR_CODES[error.code] ?? error.code.toLowerCase(),
      message,
      resHeaders,
    );
  }
}
