// The demo's tables, applied after the framework's by migrateApp (tracked as "workspace-demo").
import { fileURLToPath } from "node:url";
import { loadMigrations, type MigrationSet } from "@agent-access/db";

export const workspaceDemoMigrations: MigrationSet = {
  name: "workspace-demo",
  migrations: loadMigrations(fileURLToPath(new URL("../migrations/", import.meta.url))),
};
