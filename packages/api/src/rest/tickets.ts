// POST /session/tickets: the reference page's REST door for backends in any language. The same
// steps as ticket.create (the API key, then the request's shape, then mintTicket), called
// directly as the /v1 routes are rather than through a tRPC caller, whose proxy and middleware
// chain cost a tenth of a mint (benchmark 1); its errors become restError's body.
import { TRPCError } from "@trpc/server";
import { authenticateApiKey } from "../api-keys.ts";
import { type ApiDependencies, createRequestContext } from "../context.ts";
import { mintTicketForApiKey, ticketRequestSchema } from "../tickets.ts";
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
  const ctx = createRequestContext(deps, { req, resHeaders });
  try {
    const key = await authenticateApiKey(
      ctx.db,
      req.headers.get("authorization"),
      "tickets",
      ctx.now(),
    );
    const request = ticketRequestSchema.safeParse(body.value);
    if (!request.success) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: "invalid request",
        cause: request.error,
      });
    }
    const ticket = await mintTicketForApiKey(ctx, key, request.data);
    return Response.json(ticket, { status: 201, headers: resHeaders });
  } catch (error) {
    return trpcErrorResponse(error, resHeaders);
  }
}
