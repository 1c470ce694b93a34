// POST /session/tickets: the reference page's REST door for backends in any language. It runs
// the same procedure as ticket.create and turns its errors into restError's body.
import { type ApiDependencies, createRequestContext } from "../context.ts";
import { appRouter } from "../root.ts";
import { errorResponse, trpcErrorResponse } from "./errors.ts";

/** The largest ticket request body, in bytes. The server also refuses more while it arrives. */
export const TICKET_BODY_MAX_BYTES = 64 * 1024;

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
    return trpcErrorResponse(error, resHeaders);
  }
}
