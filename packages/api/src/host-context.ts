// Host context: the facts an app's backend puts in a ticket (user name, role, plan, locale, the
// workspace's name) for its agents. Bounded here, once, for every door that mints tickets: a
// JSON object of at most 8 KB, nested at most 8 levels.
import { TRPCError } from "@trpc/server";
import { z } from "zod";

export const HOST_CONTEXT_MAX_BYTES = 8 * 1024;
export const HOST_CONTEXT_MAX_DEPTH = 8;

/** The shape only; `serializeHostContext` checks depth, JSON-ness and size. */
export const hostContextSchema = z.record(z.string(), z.unknown());

/** How deep `value` nests (an object or array of scalars is 1), without recursion. */
function depthOf(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function isJson(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object":
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJson);
      return (
        Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isJson)
      );
    default:
      return false;
  }
}

/**
 * The host context as stored (JSON text), or null for none. Too large is PAYLOAD_TOO_LARGE (413
 * over REST); too deep or not plain JSON is UNPROCESSABLE_CONTENT (422).
 */
export function serializeHostContext(
  context: Record<string, unknown> | null | undefined,
): string | null {
  if (context == null) return null;
  if (depthOf(context, HOST_CONTEXT_MAX_DEPTH) > HOST_CONTEXT_MAX_DEPTH) {
    throw new TRPCError({
      code: "UNPROCESSABLE_CONTENT",
      message: `context nests deeper than ${HOST_CONTEXT_MAX_DEPTH} levels: send a flatter object`,
    });
  }
  if (!isJson(context)) {
    throw new TRPCError({
      code: "UNPROCESSABLE_CONTENT",
      message:
        "context must hold only JSON values (strings, finite numbers, booleans, null, arrays, objects)",
    });
  }
  const json = JSON.stringify(context);
  const bytes = Buffer.byteLength(json);
  if (bytes > HOST_CONTEXT_MAX_BYTES) {
    throw new TRPCError({
      code: "PAYLOAD_TOO_LARGE",
      message: `context is ${bytes} bytes of JSON, over the ${HOST_CONTEXT_MAX_BYTES}-byte limit: send only what the agent needs (names, ids, settings)`,
    });
  }
  return json === "{}" ? null : json;
}
