// The app: the one place that says what this server offers beyond the framework. Its agents,
// its tRPC routers, its tables, its development seed and its context-group rule; the server
// (main.ts, cli.ts, router.ts) and the test server (test/harness.ts) read it from here.
// Lines marked "demo" register the workspace demo (examples/workspace-demo, apps/web/src/demo);
// `pnpm remove-demo` deletes them with it. README.md, "Extending", walks through adding your own.
import { defineApp } from "@agent-access/api";
import * as workspaceDemo from "@agent-access/workspace-demo"; // demo

export const app = defineApp({
  agents: [
    // Your agents (defineAgent), such as the notes example's notesAssistant.
    workspaceDemo.workspaceAssistant, // demo
  ],
  routers: {
    // Your routers, by name: { notes: notesRouter } mounts /trpc/notes.*.
    workspace: workspaceDemo.workspaceRouter, // demo
  },
  migrations: [
    // Your tables' migration sets ({ name, migrations: loadMigrations(dir) }).
    workspaceDemo.workspaceDemoMigrations, // demo
  ],
  seed: workspaceDemo.seedWorkspaceDemo, // demo
});
