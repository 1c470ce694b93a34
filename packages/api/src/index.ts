import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root.ts";

export type { AgentSessionLookup } from "./agent-sessions.ts";
export {
  type AppDefinition,
  createAppRouter,
  defineApp,
  FRAMEWORK_ROUTER_NAMES,
  migrateWithApp,
  type SeedContext,
} from "./app-definition.ts";
export {
  type AgentInfo,
  type ApiConfig,
  type ApiDependencies,
  createRequestContext,
} from "./context.ts";
export { assertLinearPattern, DEFAULT_CONTEXT_GROUP_PATTERN } from "./context-groups.ts";
export {
  AgentLimits,
  type AgentLimitsConfig,
  DEFAULT_AGENT_LIMITS,
  MAX_BATCH_SIZE,
} from "./limits.ts";
export { retryAfterHeader } from "./rate-limited.ts";
export {
  attachmentBodyMaxBytes,
  handleAttachmentDownload,
  handleAttachmentUpload,
} from "./rest/attachments.ts";
export {
  DATABASE_UNAVAILABLE_MESSAGE,
  databaseUnavailableResponse,
  restError,
} from "./rest/errors.ts";
export { handleTicketRequest, TICKET_BODY_MAX_BYTES } from "./rest/tickets.ts";
export {
  handleOpenApiRequest,
  honoPath,
  hostApiRoutes,
  type RestRoute,
  serveRoute,
} from "./rest/v1/index.ts";
export { type AppRouter, appRouter } from "./root.ts";
export {
  EVENT_STREAM_PATH,
  releaseWhenDone,
  type StreamSlot,
  takeStreamSlot,
  takeStreamSlotFor,
} from "./stream-slots.ts";
export { mintTicket } from "./tickets.ts";
export {
  agentProcedure,
  backendProcedure,
  createCallerFactory,
  createTRPCRouter,
  publicProcedure,
  userProcedure,
} from "./trpc.ts";

/** Inputs of every procedure, e.g. RouterInputs["context"]["send"]. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. RouterOutputs["session"]["current"]. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
