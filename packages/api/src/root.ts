// The app's router: one router per domain (router/*.ts), each under its own name.
import { authRouter } from "./router/auth.ts";
import { contextRouter } from "./router/context.ts";
import { grantRouter } from "./router/grant.ts";
import { healthRouter } from "./router/health.ts";
import { sessionRouter } from "./router/session.ts";
import { ticketRouter } from "./router/ticket.ts";
import { workspaceRouter } from "./router/workspace.ts";
import { createTRPCRouter, mergeRouters } from "./trpc.ts";

export const appRouter = mergeRouters(
  // `health` stays at the root (/trpc/health), where the web shell and monitors call it.
  healthRouter,
  createTRPCRouter({
    auth: authRouter,
    workspace: workspaceRouter,
    ticket: ticketRouter,
    session: sessionRouter,
    context: contextRouter,
    grant: grantRouter,
  }),
);

export type AppRouter = typeof appRouter;
