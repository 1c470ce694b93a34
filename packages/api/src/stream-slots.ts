// The open-event-stream limit, applied before tRPC: a refused stream gets a real 429 with
// Retry-After (tRPC answers every subscription with 200 and puts errors inside the stream), and
// costs the server no stream at all. The slot is held until the response ends or the client
// goes away.
import {
  type AgentSessionLookup,
  lookUpAgentSession,
  signinContextGroup,
} from "./agent-sessions.ts";
import { type ApiDependencies, limitsOf } from "./context.ts";
import { LimitExceeded } from "./limits.ts";

/** The tRPC path of the context event stream, the one subscription with a slot limit. */
export const EVENT_STREAM_PATH = "/trpc/context.events";

export type StreamSlot =
  | {
      status: "open";
      release: () => void;
      /**
       * The look-up of the request's agent session the slot was taken with: the server passes it
       * to the request's context (RequestInfo.agentSession), so that the stream's session check
       * reads no second time.
       */
      agentSession: AgentSessionLookup;
    }
  | { status: "refused"; retryAfterMs: number; message: string };

/**
 * Takes a stream slot of the request's agent session and context group. A request without a
 * live session needs none: tRPC refuses it anyway.
 */
export function takeStreamSlot(deps: ApiDependencies, req: Request): Promise<StreamSlot> {
  return takeStreamSlotFor(deps, req.headers.get("cookie"), req.signal);
}

/**
 * The same, from the request's Cookie header and a signal that aborts when its client goes away
 * (for a server that answers on node:http directly, without a `Request`).
 */
export async function takeStreamSlotFor(
  deps: ApiDependencies,
  cookieHeader: string | null | undefined,
  signal: AbortSignal,
): Promise<StreamSlot> {
  const agentSession = await lookUpAgentSession(
    deps.db,
    cookieHeader ?? null,
    (deps.now ?? Date.now)(),
  );
  const { row } = agentSession;
  if (!row) return { status: "open", release: () => {}, agentSession };
  const contextGroup =
    row.session_type === "static" ? row.context_group! : signinContextGroup(row.user_id!);
  try {
    const release = limitsOf(deps).openStream({ sessionId: row.id, contextGroup });
    signal.addEventListener("abort", release, { once: true });
    return { status: "open", release, agentSession };
  } catch (error) {
    if (!(error instanceof LimitExceeded)) throw error;
    return { status: "refused", retryAfterMs: error.retryAfterMs, message: error.message };
  }
}

/** `body`, calling `release` once it has been read to the end or cancelled. */
export function releaseWhenDone(
  body: ReadableStream<Uint8Array>,
  release: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          release();
          controller.close();
        } else {
          controller.enqueue(chunk.value);
        }
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
