import { auth } from "./router/auth.ts";
import { contextRouter } from "./router/context.ts";
import { grantRouter } from "./router/grant.ts";
import { health } from "./router/health.ts";
import { sessionRouter } from "./router/session.ts";
import { ticketRouter } from "./router/ticket.ts";
import { workspace } from "./router/workspace.ts";
import { createTRPCRouter } from "./trpc.ts";

export const appRouter = createTRPCRouter({
  auth,
  health,
  workspace,
  ticket: ticketRouter,
  session: sessionRouter,
  context: contextRouter,
  grant: grantRouter,
});

export type AppRouter = typeof appRouter;
