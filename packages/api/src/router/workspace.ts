// The host demo's workspaces. Every read goes through a db function whose SQL checks that the
// caller is a member, so a workspace of someone else answers NOT_FOUND, exactly like a missing one.
import { createWorkspace, getWorkspaceDetails, listWorkspacesOfUser } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { createTRPCRouter, userProcedure } from "../trpc.ts";

export const workspace = createTRPCRouter({
  /** The caller's workspaces with their role in each. */
  list: userProcedure.query(({ ctx }) => listWorkspacesOfUser(ctx.db, ctx.user.id)),

  /** Creates a workspace owned by the caller. */
  create: userProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, "Enter a name").max(80, "Use at most 80 characters"),
      }),
    )
    .mutation(({ ctx, input }) =>
      createWorkspace(ctx.db, { name: input.name, ownerId: ctx.user.id }, ctx.now()),
    ),

  /** The workspace with its members, webhook endpoints and their recent delivery health. */
  get: userProcedure
    .input(z.object({ workspaceId: z.string().min(1).max(100) }))
    .query(({ ctx, input }) => {
      const details = getWorkspaceDetails(ctx.db, input.workspaceId, ctx.user.id);
      if (!details) {
        throw new TRPCError({
          code: "NOT_FOUND",
          message: "No such workspace among yours: check the link, or pick one from your list.",
        });
      }
      return details;
    }),
});
