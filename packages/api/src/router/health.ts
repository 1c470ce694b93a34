// Liveness of the API and its database, for the web shell and for monitors.
import { schemaVersion } from "@agent-access/db";
import { publicProcedure } from "../trpc.ts";

export const health = publicProcedure.query(({ ctx }) => ({
  status: "ok" as const,
  schemaVersion: schemaVersion(ctx.db),
  time: ctx.now(),
}));
