import { createAppRouter } from "./app-definition.ts";

/**
 * The framework's procedures alone (`auth`, `health`, `ticket`, `session`, `context`): what
 * `@agent-access/react` and the REST door call. A server mounts them together with its app's
 * routers (`createAppRouter`, apps/server/src/router.ts).
 */
export const appRouter = createAppRouter({});

export type AppRouter = typeof appRouter;
