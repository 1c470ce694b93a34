// The server's tRPC router: the framework's procedures and the app's (app.config.ts). Its type is
// what the host pages of apps/web are typed with (`import type`, nothing of the server ships).
import { createAppRouter } from "@agent-access/api";
import { app } from "./app.config.ts";

export const appRouter = createAppRouter(app.routers);

export type AppRouter = typeof appRouter;
