// A host app's own ticket door, for tests of what the framework does with tickets an app mints
// for its signed-in user (mintTicket's `hostUserId`): signing out everywhere ends them, static
// ones included. The shape of an app's door (the workspace demo's workspace.issueAgentTicket is
// one) without an app's data, so that those tests need no example app. Never mounted by the
// server: `hostDoorServer` starts a test server with it beside app.config.ts's routers.
import { createTRPCRouter, mintTicket, userProcedure } from "@agent-access/api";
import { z } from "zod";
import { app } from "../src/app.config.ts";
import { TEST_AGENT, testAgents } from "./agents.ts";
import { startTestServer, type TestServer, type TestServerOptions } from "./harness.ts";

export const hostDoorRouter = createTRPCRouter({
  /**
   * A ticket for the framework's test agent, minted for the signed-in caller: `static` ones in
   * the group `host:<device>:user:<user id>`, `signin` ones following whoever signs in.
   */
  issueTicket: userProcedure
    .input(
      z.object({
        sessionType: z.enum(["static", "signin"]),
        device: z.string().regex(/^[a-z0-9]{1,20}$/),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const minted = await mintTicket(
        ctx,
        {
          ticket_type: "agent_access",
          agent_ids: [TEST_AGENT],
          agent_session_identifier: input.sessionType,
          context_group:
            input.sessionType === "static" ? `host:${input.device}:user:${ctx.user.id}` : undefined,
        },
        `user:${ctx.user.id}`,
        undefined,
        { hostUserId: ctx.user.id },
      );
      return { ticket: minted.ticket };
    }),
});

/** A test server whose router also has the host door, at /trpc/hostDoor.issueTicket. */
export function hostDoorServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({
    agents: testAgents,
    ...options,
    app: { ...app, routers: { ...app.routers, hostDoor: hostDoorRouter } },
  });
}
