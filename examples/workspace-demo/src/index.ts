// The workspace demo: an example app on the framework, not part of it. A user signs in, owns
// workspaces with webhook endpoints, and asks the workspace assistant about their deliveries.
// apps/server/src/app.config.ts registers its parts; `pnpm remove-demo` deletes it.
export {
  createWorkspaceAssistant,
  demoNotesDirOf,
  demoNotesErasure,
  type NotesEnv,
  type WorkspaceAssistantOptions,
  withDemoNotes,
  workspaceAssistant,
} from "./agent.ts";
export * from "./db/index.ts";
export { workspaceDemoMigrations } from "./migrations.ts";
export { notesFileOf, workspaceNotesServer } from "./notes.ts";
export { workspaceRouter } from "./router.ts";
export { seedWorkspaceDemo } from "./seed.ts";
export { requireWorkspaces, workspacesOfGroup } from "./tenancy.ts";
export { getWebhookHealth, retryFailedDeliveries } from "./tools.ts";
