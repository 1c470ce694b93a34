// The demo's tables, applied after the framework's by migrateApp (tracked as "workspace-demo").
import { fileURLToPath } from "node:url";
import { loadMigrationSet, type MigrationSet } from "@agent-access/db";

export const workspaceDemoMigrations: MigrationSet = loadMigrationSet(
  "workspace-demo",
  fileURLToPath(new URL("../migrations/", import.meta.url)),
);
