// GET /v1/openapi.json: the OpenAPI 3.1 document of the host API and the ticket route, made by
// zod-openapi from the very schemas that validate the requests. Nothing in it is written twice.
import { createDocument, type ZodOpenApiOperationObject } from "zod-openapi";
import { ticketRequestSchema } from "../../tickets.ts";
import { errorSchema } from "../errors.ts";
import type { RestRoute } from "./route.ts";
import { ticketResponse } from "./schemas.ts";

const errorContent = { content: { "application/json": { schema: errorSchema } } };
const commonErrors = {
  "400": { description: "Bad input; the message names the field.", ...errorContent },
  "401": { description: "No API key, or an unknown one.", ...errorContent },
  "403": {
    description: "The key is revoked, or its scope does not cover this route.",
    ...errorContent,
  },
  "503": {
    description:
      "The database cannot be reached right now (`service_unavailable`): retry after the seconds of `Retry-After`.",
    ...errorContent,
  },
};

function operation(route: RestRoute): ZodOpenApiOperationObject {
  return {
    summary: route.summary,
    description: `Needs an API key of scope \`${route.scope}\` or \`all\`.`,
    security: [{ apiKey: [] }],
    requestParams: {
      ...(route.query ? { query: route.query } : {}),
      ...(route.params ? { path: route.params } : {}),
    },
    responses: {
      [String(route.response.status)]: {
        description: route.response.description,
        content: { "application/json": { schema: route.response.schema } },
      },
      ...commonErrors,
      ...Object.fromEntries(
        (route.errors ?? []).map((error) => [
          String(error.status),
          { description: error.description, ...errorContent },
        ]),
      ),
    },
  };
}

const ticketOperation: ZodOpenApiOperationObject = {
  summary: "Mint an agent_access ticket",
  description: "Needs an API key of scope `tickets` or `all`. The same as tRPC's ticket.create.",
  security: [{ apiKey: [] }],
  requestBody: { content: { "application/json": { schema: ticketRequestSchema } } },
  responses: {
    "201": {
      description: "The ticket.",
      content: { "application/json": { schema: ticketResponse } },
    },
    ...commonErrors,
    "413": { description: "The body is too large.", ...errorContent },
    "415": { description: "The body is not JSON.", ...errorContent },
    "422": { description: "Unknown agent, bad group format or lifetime.", ...errorContent },
  },
};

/** The document of `routes` and POST /session/tickets, for the server at `publicUrl`. */
export function openApiDocument(routes: readonly RestRoute[], publicUrl: string) {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {
    "/session/tickets": { post: ticketOperation },
  };
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operation(route) };
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Agent Access host API",
      version: "1",
      description:
        "For an app's backend: mint tickets, read, erase and meter a context group's conversations.",
    },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "A backend API key: pnpm cli api-key create --name <name> [--scope …]",
        },
      },
    },
    paths,
  });
}
