// "Always allow" answers of the browser's agent session: the tools its agents may run without
// asking, kept per context group. Listing and revoking are scoped by the session's group and
// agents in SQL; another group's grant is NOT_FOUND, like one that does not exist.
import { listToolGrants, revokeToolGrant } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { agentProcedure, createTRPCRouter } from "../trpc.ts";

const name = z.string().min(1).max(128);

export const grantRouter = createTRPCRouter({
  /** The group's "always allow" grants for the session's agents, newest first. */
  list: agentProcedure.query(async ({ ctx }) =>
    (await listToolGrants(ctx.db, ctx.agentSession)).map((grant) => ({
      ...grant,
      agentName: ctx.agents.get(grant.agentId)?.name ?? grant.agentId,
    })),
  ),

  /** Revokes one grant: the tool asks for approval again at its next call. */
  revoke: agentProcedure
    .input(z.object({ agentId: name, toolName: name }))
    .mutation(async ({ ctx, input }) => {
      if (!(await revokeToolGrant(ctx.db, ctx.agentSession, input))) {
        throw new TRPCError({
          code: "NOT_FOUND",
          message: "No such grant in this session: it may have been revoked already.",
        });
      }
      return { revoked: true };
    }),
});
