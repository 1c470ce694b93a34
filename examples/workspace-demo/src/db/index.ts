// The demo's data access: workspaces and their members, webhook endpoints and deliveries, and the
// seed. Each function takes the tenant (a member, or the workspaces of a context group) and
// filters by it in its SQL.
export { DEMO_EMAIL, DEMO_PASSWORD, isSeeded, type SeedResult, seedDemo } from "./seed.ts";
export {
  type DeliveryStats,
  deliveryStats,
  type EndpointDeliveryStats,
  existingWorkspaceIds,
  markFailedDeliveriesForRetry,
  type RetryMarked,
  workspaceIdsOfUser,
} from "./webhook-deliveries.ts";
export { type EndpointHealth, type EndpointStatus, HEALTH_WINDOW } from "./webhooks.ts";
export {
  createWorkspace,
  findWorkspaceForMember,
  getWorkspaceDetails,
  isWorkspaceMember,
  listWorkspacesOfUser,
  removeWorkspaceMember,
  setWorkspaceMember,
  type Workspace,
  type WorkspaceDetails,
  type WorkspaceMember,
  type WorkspaceRole,
} from "./workspaces.ts";
