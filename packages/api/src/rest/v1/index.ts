// The host API (/v1): REST for an app's backend, with an API key. The route table here is what
// the server mounts and what the OpenAPI document describes.
import type { ApiDependencies } from "../../context.ts";
import {
  deleteContextRoute,
  getContextRoute,
  listContextsRoute,
  listMessagesRoute,
} from "./contexts.ts";
import { eraseGroupRoute } from "./erase-group.ts";
import { listFeedbackRoute } from "./feedback.ts";
import { openApiDocument } from "./openapi.ts";
import type { RestRoute } from "./route.ts";
import { usageRoute } from "./usage.ts";

export { type RestRoute, serveRoute } from "./route.ts";

export const hostApiRoutes: readonly RestRoute[] = [
  listContextsRoute,
  getContextRoute,
  listMessagesRoute,
  deleteContextRoute,
  eraseGroupRoute,
  listFeedbackRoute,
  usageRoute,
];

/** A route's path as Hono writes it: /v1/contexts/{id} becomes /v1/contexts/:id. */
export function honoPath(route: RestRoute): string {
  return route.path.replace(/\{(\w+)\}/g, ":$1");
}

let cached: { publicUrl: string; json: string } | undefined;

/** GET /v1/openapi.json. Public: it describes the API and holds nothing of any tenant. */
export function handleOpenApiRequest(deps: ApiDependencies): Response {
  if (cached?.publicUrl !== deps.config.publicUrl) {
    const document = openApiDocument(hostApiRoutes, deps.config.publicUrl);
    cached = { publicUrl: deps.config.publicUrl, json: JSON.stringify(document) };
  }
  return new Response(cached.json, { headers: { "content-type": "application/json" } });
}
