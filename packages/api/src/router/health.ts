// Liveness of the API and its database, for the web shell and for monitors.
import { schemaVersion } from "@agent-access/db";
import { createTRPCRouter, publicProcedure } from "../trpc.ts";

export const healthRouter = createTRPCRouter({
  health: publicProcedure.query(async ({ ctx }) => ({
    status: "ok" as const,
    schemaVersion: await schemaVersion(ctx.db),
    time: ctx.now(),
  })),
});
