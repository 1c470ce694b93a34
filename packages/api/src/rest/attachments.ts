// Attachments over HTTP: one upload route and one download route, behind the agent session as
// every context procedure is (the agent_session cookie, and the x-agent-session binding when the
// page sends it). The server applies the same-origin rule to the upload (a POST) before routing
// and bounds its body (attachmentBodyMaxBytes). The engine decides everything else: the tenant
// rule (a file is reachable exactly as its context is), the type from the bytes, the limits.
//
//   POST /attachments   multipart/form-data: `contextId`, then 1 to 10 `file` fields
//                       201 { files: [{ type: "file", id, name, mediaType, size }] }
//   GET  /attachments/<id>[?session=<agent session id>]   the file's bytes
//
// Errors are the REST door's shape (restError) with the HTTP status of the code.
import {
  AgentRuntimeError,
  type FilePart,
  isImageType,
  isTextType,
  MAX_FILES_PER_MESSAGE,
  type UploadedFile,
} from "@agent-access/agents";
import { checkAgentSession, NO_SESSION_MESSAGES } from "../agent-sessions.ts";
import { type ApiDependencies, createRequestContext } from "../context.ts";
import { databaseUnavailableResponse, restError } from "./errors.ts";

/** Room for the multipart framing around the files, in bytes. */
const FORM_OVERHEAD_BYTES = 256 * 1024;

/** The largest upload body for files of at most `maxFileBytes`: ten of them and the framing. */
export function attachmentBodyMaxBytes(maxFileBytes: number): number {
  return MAX_FILES_PER_MESSAGE * maxFileBytes + FORM_OVERHEAD_BYTES;
}

const STATUS: Record<AgentRuntimeError["code"], number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
};

function errorResponse(status: number, code: string, message: string): Response {
  return Response.json(restError(code, message), { status });
}

function engineError(error: unknown): Response {
  const unavailable = databaseUnavailableResponse(error);
  if (unavailable) return unavailable;
  if (!(error instanceof AgentRuntimeError)) throw error;
  return errorResponse(STATUS[error.code], error.code.toLowerCase(), error.message);
}

export interface AttachmentRequest {
  req: Request;
  clientIp?: string;
}

/** The caller's scope, or a 401 saying why there is none. */
async function scopeOf(
  deps: ApiDependencies,
  request: AttachmentRequest,
  sessionParam: string | null,
) {
  const ctx = createRequestContext(deps, {
    req: request.req,
    resHeaders: new Headers(),
    clientIp: request.clientIp,
    // An <img> cannot send headers: the download URL may carry the binding instead.
    connectionParams: sessionParam ? { agentSession: sessionParam } : null,
  });
  const check = await checkAgentSession(ctx);
  if (check.status !== "valid") {
    return {
      ok: false as const,
      response: errorResponse(401, "unauthorized", NO_SESSION_MESSAGES[check.status]),
    };
  }
  const { contextGroup, agentIds } = check.session;
  return { ok: true as const, scope: { contextGroup, agentIds } };
}

export async function handleAttachmentUpload(
  deps: ApiDependencies,
  request: AttachmentRequest,
): Promise<Response> {
  const session = await scopeOf(deps, request, null);
  if (!session.ok) return session.response;
  const type = request.req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(type)) {
    return errorResponse(
      415,
      "unsupported_media_type",
      "send the files as multipart/form-data: a contextId field and file fields",
    );
  }
  let form: FormData;
  try {
    form = await request.req.formData();
  } catch {
    return errorResponse(400, "invalid_request", "the body is not valid multipart/form-data");
  }
  const contextId = form.get("contextId");
  if (typeof contextId !== "string" || contextId === "" || contextId.length > 100) {
    return errorResponse(
      400,
      "invalid_request",
      "contextId: name the conversation the files are for",
    );
  }
  const entries = form.getAll("file");
  if (entries.some((entry) => typeof entry === "string")) {
    return errorResponse(400, "invalid_request", "file: each file field must be a file");
  }
  const files: UploadedFile[] = [];
  for (const entry of entries as File[]) {
    files.push({
      name: entry.name,
      claimedType: entry.type || undefined,
      bytes: new Uint8Array(await entry.arrayBuffer()),
    });
  }
  try {
    const stored = await deps.runtime.uploadAttachments(session.scope, contextId, files);
    return Response.json({ files: stored }, { status: 201 });
  } catch (error) {
    return engineError(error);
  }
}

/** `filename` for Content-Disposition: an ASCII stand-in and the exact name (RFC 6266). */
function dispositionOf(file: FilePart): string {
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const kind = isImageType(file.mediaType) ? "inline" : "attachment";
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`;
}

export async function handleAttachmentDownload(
  deps: ApiDependencies,
  request: AttachmentRequest,
  id: string,
): Promise<Response> {
  const url = new URL(request.req.url);
  const session = await scopeOf(deps, request, url.searchParams.get("session"));
  if (!session.ok) return session.response;
  let read: Awaited<ReturnType<ApiDependencies["runtime"]["readAttachment"]>>;
  try {
    read = await deps.runtime.readAttachment(session.scope, id);
  } catch (error) {
    return engineError(error);
  }
  const { file, bytes } = read;
  return new Response(bytes as Uint8Array<ArrayBuffer>, {
    status: 200,
    headers: {
      "Content-Type": isTextType(file.mediaType)
        ? `${file.mediaType}; charset=utf-8`
        : file.mediaType,
      "Content-Length": String(bytes.byteLength),
      "Content-Disposition": dispositionOf(file),
      "X-Content-Type-Options": "nosniff",
      // Whatever the bytes are, nothing in them runs: no scripts, no plugins, no requests.
      "Content-Security-Policy": "default-src 'none'; sandbox",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "private, no-store",
      "Referrer-Policy": "no-referrer",
    },
  });
}
