// The one check of a backend's `Authorization: Bearer <api key>`, for tRPC's backendProcedure
// and the REST routes alike: no or an unknown key is UNAUTHORIZED; a revoked key, or one whose
// scope does not cover the route, is FORBIDDEN, so its owner can tell a typo from a refusal.
import { type ApiKeyRow, type ApiKeyScope, checkApiKey, type Db } from "@agent-access/db";
import { TRPCError } from "@trpc/server";

/** What a route needs a key for; a key of scope `all` covers every one. */
export type ApiKeyNeed = Exclude<ApiKeyScope, "all">;

export async function authenticateApiKey(
  db: Db,
  authorization: string | null,
  need: ApiKeyNeed,
  now: number,
): Promise<ApiKeyRow> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message: "missing API key: send Authorization: Bearer <api key>",
    });
  }
  const check = await checkApiKey(db, match[1]!, now);
  if (check.status === "unknown") {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "invalid API key" });
  }
  if (check.status === "revoked") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "this API key has been revoked: create a new one",
    });
  }
  if (check.key.scope !== "all" && check.key.scope !== need) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `this API key has scope "${check.key.scope}"; this route needs "${need}" or "all": create a key with --scope ${need}`,
    });
  }
  return check.key;
}
