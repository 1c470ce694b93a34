import { auth } from "./router/auth.ts";
import { health } from "./router/health.ts";
import { workspace } from "./router/workspace.ts";
import { createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  auth,
  health,
  workspace,
});

export type AppRouter = typeof appRouter;
