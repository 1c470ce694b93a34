// The host app's typed tRPC hooks. Only the router's type crosses from the server.
import type { AppRouter } from "@agent-access/api";
import { createTRPCReact } from "@trpc/react-query";

export const trpc = createTRPCReact<AppRouter>();
