// The host demo's workspaces. Every read goes through a db function whose SQL checks that the
// caller is a member, so a workspace of someone else answers NOT_FOUND, exactly like a missing one.
import { createTRPCRouter, mintTicket, userProcedure } from "@agent-access/api";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { workspaceAssistant } from "./agent.ts";
import {
  createWorkspace,
  findWorkspaceForMember,
  getWorkspaceDetails,
  listWorkspacesOfUser,
  removeWorkspaceMember,
} from "./db/index.ts";

const workspaceId = z.string().min(1).max(100);

/**
 * The agents the demo's ticket door hands out: its own, named one by one. Never the registry's
 * whole list, or every agent an app adds would reach the demo's users and groups too.
 */
const DEMO_AGENT_IDS = [workspaceAssistant.id];

/** The groups this door mints, so that a stricter CONTEXT_GROUP_PATTERN of an app spares them. */
const DEMO_CONTEXT_GROUP_RULE = {
  pattern: /workspace:[A-Za-z0-9_.@-]{1,128}:user:[A-Za-z0-9_.@-]{1,128}/,
  description: "workspace:<workspace id>:user:<user id>",
};

function noSuchWorkspace(): TRPCError {
  return new TRPCError({
    code: "NOT_FOUND",
    message: "No such workspace among yours: check the link, or pick one from your list.",
  });
}

export const workspaceRouter = createTRPCRouter({
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
  get: userProcedure.input(z.object({ workspaceId })).query(({ ctx, input }) => {
    const details = getWorkspaceDetails(ctx.db, input.workspaceId, ctx.user.id);
    if (!details) throw noSuchWorkspace();
    return details;
  }),

  /**
   * The host app's own ticket door, as a backend would mint one after its authorization check:
   * membership first, then a ticket for the demo's own agent only. `static` tickets work in the group
   * `workspace:<id>:user:<id>`; `signin` ones follow whoever is signed in.
   */
  issueAgentTicket: userProcedure
    .input(z.object({ workspaceId, sessionType: z.enum(["static", "signin"]) }))
    .mutation(({ ctx, input }) => {
      const member = findWorkspaceForMember(ctx.db, input.workspaceId, ctx.user.id);
      if (!member) throw noSuchWorkspace();
      const minted = mintTicket(
        ctx,
        {
          ticket_type: "agent_access",
          agent_ids: DEMO_AGENT_IDS,
          agent_session_identifier: input.sessionType,
          context_group:
            input.sessionType === "static"
              ? `workspace:${input.workspaceId}:user:${ctx.user.id}`
              : undefined,
          display_name: `${member.name} · ${ctx.user.name}`,
          // "Return to the app" on the agent page leads back to this workspace.
          return_url: `${ctx.config.publicUrl}/app/w/${encodeURIComponent(member.id)}`,
          // Host context: who the assistant serves and where; it greets by name.
          context: {
            userName: ctx.user.name,
            workspaceId: member.id,
            workspaceName: member.name,
            role: member.role,
          },
        },
        `user:${ctx.user.id}`,
        DEMO_CONTEXT_GROUP_RULE,
        { hostUserId: ctx.user.id, hostWorkspaceId: input.workspaceId },
      );
      return { ticket: minted.ticket, expiresAt: minted.expires_at, vanityUrl: minted.url };
    }),

  /**
   * Removes a member: an owner removes anyone but an owner, a member removes only themselves.
   * The agent sessions minted for them in this workspace end with the membership.
   */
  removeMember: userProcedure
    .input(z.object({ workspaceId, userId: z.string().min(1).max(100) }))
    .mutation(({ ctx, input }) => {
      const own = findWorkspaceForMember(ctx.db, input.workspaceId, ctx.user.id);
      if (!own) throw noSuchWorkspace();
      const target = findWorkspaceForMember(ctx.db, input.workspaceId, input.userId);
      if (!target) {
        throw new TRPCError({ code: "NOT_FOUND", message: "No such member in this workspace." });
      }
      if (input.userId !== ctx.user.id && own.role !== "owner") {
        throw new TRPCError({
          code: "FORBIDDEN",
          message: "Only an owner can remove other members.",
        });
      }
      if (target.role === "owner") {
        throw new TRPCError({
          code: "BAD_REQUEST",
          message: "An owner cannot be removed: a workspace keeps its owner.",
        });
      }
      const ended = removeWorkspaceMember(ctx.db, input.workspaceId, input.userId, ctx.now());
      return { removed: true, endedAgentSessions: ended?.sessions ?? 0 };
    }),
});
