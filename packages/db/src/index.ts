export {
  type AgentSessionRow,
  consumeTicket,
  findLiveAgentSession,
  findTicket,
  insertAgentSession,
  insertTicket,
  type NewAgentSession,
  type NewTicket,
  revokeAgentSession,
  type SessionType,
  type TicketRow,
  ticketDisplayName,
} from "./agent-access.ts";
export {
  type ApiKeyCheck,
  type ApiKeyRow,
  type ApiKeyScope,
  type CreatedApiKey,
  checkApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "./api-keys.ts";
export {
  type AttachmentRow,
  attachmentsOfContext,
  claimAttachments,
  deleteAttachment,
  deleteAttachmentsOfContext,
  deleteAttachmentsOfDeletedContexts,
  deleteUnsentAttachments,
  getAttachment,
  getAttachmentBlob,
  groupAttachmentBytes,
  insertAttachment,
  insertAttachmentBlob,
  moveAttachments,
  type NewAttachment,
} from "./attachments.ts";
export {
  type AuthSessionWithUser,
  deleteAuthSession,
  deleteExpiredAuthSessions,
  deleteUserAuthSessions,
  findAuthSession,
  insertAuthSession,
  listUserAuthSessions,
  type StoredAuthSession,
  updateAuthSessionExpiry,
} from "./auth-sessions.ts";
export { type Db, type OpenDatabaseOptions, openDatabase } from "./connection.ts";
export {
  appendContextEvents,
  type ContextEventRow,
  listContextEvents,
} from "./context-events.ts";
export {
  type AgentScope,
  type ContextRow,
  type ContextStatus,
  changeContextStatus,
  findContext,
  getContextById,
  insertContext,
  type ListContextsQuery,
  listContexts,
  listStrandedContexts,
  type NewContext,
  setContextTitle,
  setModelTitle,
  softDeleteContext,
} from "./contexts.ts";
export {
  attachmentIdsOf,
  contextsOfGroup,
  type ErasedCounts,
  type Erasure,
  eraseContext,
  eraseGroup,
  findAnyContext,
  type GroupContextsQuery,
  listGroupContexts,
  revokeGroupSessions,
} from "./group-contexts.ts";
export {
  type AttemptResult,
  addWebhookEndpoint,
  dueWebhookEvents,
  ENV_WEBHOOK_ENDPOINT_ID,
  enqueueWebhookEvent,
  getWebhookEndpoint,
  type HostWebhookEndpointRow,
  listWebhookDeliveries,
  listWebhookEndpoints,
  type OutboxEvent,
  type OutboxRow,
  type OutboxStatus,
  pruneWebhookOutbox,
  recordWebhookAttempt,
  removeWebhookEndpoint,
  syncEnvWebhookEndpoint,
} from "./host-webhooks.ts";
export {
  clearMessageFeedback,
  type FeedbackRating,
  type GroupFeedbackQuery,
  listGroupFeedback,
  type MessageFeedbackRow,
  type NewFeedback,
  setMessageFeedback,
} from "./message-feedback.ts";
export {
  allMessages,
  deleteMessagesAfter,
  firstMessageWithRole,
  getMessage,
  insertMessage,
  type ListedMessageRow,
  lastMessageWithRole,
  listMessages,
  type MessageRole,
  type MessageRow,
  messageOfRun,
  type NewMessage,
  setMessageParts,
} from "./messages.ts";
export {
  loadMigrations,
  type Migration,
  type MigrationSet,
  migrate,
  migrateApp,
  schemaVersion,
} from "./migrate.ts";
export { type Ended, endTicketsOfApiKey, endTicketsOfHostUser } from "./revocation.ts";
export { countRunningInGroup, runningAmong } from "./running.ts";
export {
  changeRunStatus,
  finishRun,
  getRun,
  insertRun,
  type NewRun,
  type RunRow,
  type RunStatus,
  recordRunProgress,
  runsWithStatus,
  unfinishedRunOf,
} from "./runs.ts";
export { newId, newSecret, sha256 } from "./secrets.ts";
export { statement } from "./statements.ts";
export {
  grantTool,
  hasToolGrant,
  listToolGrants,
  revokeToolGrant,
  type ToolGrantKey,
  type ToolGrantRow,
} from "./tool-grants.ts";
export { type UsageQuery, type UsageRow, usageOfRuns } from "./usage.ts";
export { createUser, findUserByEmail, getUser, type User, type UserWithPassword } from "./users.ts";
