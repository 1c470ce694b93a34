// The browser's side of agent access: exchange a ticket, see the session, end it.
import { z } from "zod";
import {
  checkAgentSession,
  describeSession,
  endAgentSession,
  exchangeTicket,
} from "../agent-sessions.ts";
import { createTRPCRouter, publicProcedure } from "../trpc.ts";

export const sessionRouter = createTRPCRouter({
  /** Trades a ticket (once) for the agent_session cookie; replaces the browser's older session. */
  exchange: publicProcedure
    .input(z.object({ ticket: z.string().min(1).max(256) }))
    .mutation(({ ctx, input }) => exchangeTicket(ctx, input.ticket)),

  /** The browser's agent session, or null when it has none that is live. */
  current: publicProcedure.query(async ({ ctx }) => {
    const check = await checkAgentSession(ctx);
    return check.status === "valid" ? describeSession(ctx, check.session) : null;
  }),

  /** Ends the browser's agent session. */
  end: publicProcedure.mutation(({ ctx }) => {
    endAgentSession(ctx);
    return { ended: true };
  }),
});
