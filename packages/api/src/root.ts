import { health } from "./router/health.ts";
import { sessionRouter } from "./router/session.ts";
import { ticketRouter } from "./router/ticket.ts";
import { createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  health,
  ticket: ticketRouter,
  session: sessionRouter,
});

export type AppRouter = typeof appRouter;
