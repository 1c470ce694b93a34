// The workspace demo's pages under /app: the signed-in user's workspaces, and one workspace with
// its webhook health and the two ways to its agent.
import type { RouteObject } from "react-router";
import { WorkspacePage } from "./workspace.tsx";
import { WorkspacesPage } from "./workspaces.tsx";

export const demoPages: RouteObject[] = [
  { index: true, element: <WorkspacesPage /> },
  { path: "w/:id", element: <WorkspacePage /> },
];
