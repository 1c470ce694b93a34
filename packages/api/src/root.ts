import { health } from "./router/health.ts";
import { createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  health,
});

export type AppRouter = typeof appRouter;
