// The host app's typed tRPC hooks, over the server's whole router: the framework's procedures and
// the app's own (apps/server/src/app.config.ts). Only the router's type crosses from the server.
import type { AppRouter } from "@agent-access/server/router";
import { createTRPCReact } from "@trpc/react-query";
import type { inferRouterOutputs } from "@trpc/server";

export const trpc = createTRPCReact<AppRouter>();

/** Outputs of every procedure of the server, e.g. RouterOutputs["auth"]["me"]. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
