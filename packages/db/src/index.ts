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
} from "./agent-access.ts";
export {
  type ApiKeyCheck,
  type ApiKeyRow,
  type CreatedApiKey,
  checkApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
} from "./api-keys.ts";
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
export { loadMigrations, type Migration, migrate, schemaVersion } from "./migrate.ts";
export { newId, newSecret, sha256 } from "./secrets.ts";
export { DEMO_EMAIL, DEMO_PASSWORD, isSeeded, type SeedResult, seedDemo } from "./seed.ts";
export { statement } from "./statements.ts";
export { createUser, findUserByEmail, getUser, type User, type UserWithPassword } from "./users.ts";
export { type EndpointHealth, type EndpointStatus, HEALTH_WINDOW } from "./webhooks.ts";
export {
  createWorkspace,
  findWorkspaceForMember,
  getWorkspaceDetails,
  isWorkspaceMember,
  listWorkspacesOfUser,
  setWorkspaceMember,
  type Workspace,
  type WorkspaceDetails,
  type WorkspaceMember,
  type WorkspaceRole,
} from "./workspaces.ts";
