// @agent-access/backend: the Node SDK an app's backend uses to mint agent_access tickets after
// its own authorization checks, read, erase and meter its groups' conversations, and verify the
// server's webhooks. Uses the global fetch and node:crypto; no dependencies.
export { AgentAccessClient, type AgentAccessClientOptions } from "./client.ts";
export {
  AgentAccessError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  InvalidRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from "./errors.ts";
export { type Page, PagedList } from "./pages.ts";
export type {
  AgentAccessTicket,
  AgentUiSettings,
  Context,
  ContextStatus,
  CreateAgentAccessTicket,
  Erasure,
  Feedback,
  GetUsage,
  JsonValue,
  ListContexts,
  ListFeedback,
  ListMessages,
  Message,
  MessagePart,
  SessionType,
  UsageFigures,
  UsageReport,
} from "./types.ts";
export {
  type RunFinishedData,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WaitingData,
  type WebhookEvent,
  type WebhookEventType,
  WebhookVerificationError,
} from "./webhooks.ts";
