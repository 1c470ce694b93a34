// Calling procedures over HTTP the way a browser's tRPC client does (GET for queries, POST for
// mutations, SSE for the subscription) and reducing every answer to its status and error code.
import type { CookieClient } from "../../../apps/server/test/harness.ts";
import { readSse } from "../../../apps/server/test/sse.ts";
import type { ProcedureInfo } from "./procedures.ts";

export interface Answer {
  /** The HTTP status; for a subscription, the status its first error event carries. */
  status: number;
  /** The tRPC error code (NOT_FOUND, UNAUTHORIZED, ...), or null for a success. */
  code: string | null;
}

/** The status and tRPC error code of an answer whose body may or may not be tRPC's JSON. */
export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let code: string | null = null;
  try {
    const body = JSON.parse(text) as { error?: { data?: { code?: string }; code?: unknown } };
    const error = Array.isArray(body) ? body[0]?.error : body.error;
    if (error) code = typeof error.data?.code === "string" ? error.data.code : String(error.code);
  } catch {
    // Not JSON (a 431 from the HTTP parser, a 404 from the router): the status says it all.
  }
  return { status: response.status, code };
}

interface SerializedError {
  message: string;
  data?: { code?: string; httpStatus?: number };
}

/**
 * Reads an SSE answer until it says something: the first tracked event (a success; the stream
 * is then dropped) or a serialized error (tRPC sends a refused subscription as HTTP 200 with an
 * error event carrying the status it stands for).
 */
export async function firstStreamAnswer(response: Response, abort: () => void): Promise<Answer> {
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return answerOf(response);
  }
  try {
    for await (const message of readSse(response.body!)) {
      if (message.event === "serialized-error") {
        const error = JSON.parse(message.data || "{}") as SerializedError;
        return { status: error.data?.httpStatus ?? 500, code: error.data?.code ?? null };
      }
      if (message.id !== null) return { status: response.status, code: null };
    }
    return { status: response.status, code: "STREAM_ENDED" };
  } finally {
    abort();
  }
}

/** Subscribes to a procedure with `input` and returns its first answer. */
export async function subscribe(
  client: CookieClient,
  path: string,
  input: unknown,
): Promise<Answer> {
  const controller = new AbortController();
  const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await client.fetch(`/trpc/${path}${search}`, {
    signal: controller.signal,
    headers: { accept: "text/event-stream" },
  });
  return firstStreamAnswer(response, () => controller.abort());
}

/** Calls a procedure as the tRPC client would: GET, POST or SSE by its type. */
export async function callProcedure(
  client: CookieClient,
  procedure: Pick<ProcedureInfo, "path" | "type">,
  input: unknown,
): Promise<Answer> {
  switch (procedure.type) {
    case "query":
      return answerOf(await client.query(procedure.path, input));
    case "mutation":
      return answerOf(await client.mutation(procedure.path, input));
    case "subscription":
      return subscribe(client, procedure.path, input);
  }
}

/** Counts answers by status, for the figures. */
export class StatusTally {
  readonly counts = new Map<number, number>();
  total = 0;

  add(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
    this.total += 1;
  }

  merge(other: StatusTally): void {
    for (const [status, count] of other.counts) {
      this.counts.set(status, (this.counts.get(status) ?? 0) + count);
    }
    this.total += other.total;
  }

  /** e.g. { "400": 9000, "404": 12 }, in status order. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a - b).map(([s, n]) => [s, n]));
  }
}
