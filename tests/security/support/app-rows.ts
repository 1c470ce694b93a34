// The security suite's rows for the app's own routers (app.config.ts), registered here as row
// sets that live with the app: each names its file, the routers it covers, its rows (isolation
// door, example input) and how to make the data those rows name. procedure-table.ts joins them to
// the framework's rows; a procedure of an app router without a row is named with its set's file,
// or with this one when no set covers its router. Lines marked "demo" register the workspace
// demo's rows; `pnpm remove-demo` deletes them with it. docs/security.md, "One table".
import { app } from "../../../apps/server/src/app.config.ts";
import { workspaceDemoRows } from "../../../examples/workspace-demo/security/rows.ts"; // demo
import type { AppRowSet } from "./procedure-table.ts";

export const APP_ROW_SETS: readonly AppRowSet[] = [
  // Your app's row sets ({ file, routers, rows, own }), beside its routers.
  workspaceDemoRows, // demo
];

/** The routers app.config.ts adds to the framework's. */
export const APP_ROUTERS: readonly string[] = Object.keys(app.routers);
