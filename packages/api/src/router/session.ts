// The browser's side of agent access: exchange a ticket, see the session, end it.
import { ipRateLimitKey } from "@agent-access/auth";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  checkAgentSession,
  describeSession,
  endAgentSession,
  exchangeTicket,
  isExchangeable,
} from "../agent-sessions.ts";
import { tooManyRequests } from "../rate-limited.ts";
import { createTRPCRouter, publicProcedure } from "../trpc.ts";

export const sessionRouter = createTRPCRouter({
  /** Trades a ticket (once) for the agent_session cookie; replaces the browser's older session. */
  exchange: publicProcedure
    .input(z.object({ ticket: z.string().min(1).max(256) }))
    .mutation(async ({ ctx, input }) => {
      // Only failures count. Every attempt takes a token at once, before anything is awaited,
      // and a success gives it back: the calls of a batch, or of parallel requests, are counted
      // one by one, so no number of them can all pass a check before any of them counts.
      const key = ipRateLimitKey(ctx.clientIp);
      const limit = ctx.exchangeFailures.take(key, ctx.now());
      // Over the limit, a ticket that would exchange still does: the limit is for guesses, and
      // a user behind the same address as a guesser (one NAT) must not be locked out by them.
      if (!limit.allowed && !isExchangeable(ctx, input.ticket)) {
        throw tooManyRequests(
          ctx.resHeaders,
          limit.retryAfterMs,
          "too many failed ticket exchanges from here: wait a moment, then open the agent again",
        );
      }
      try {
        const session = await exchangeTicket(ctx, input.ticket);
        if (limit.allowed) ctx.exchangeFailures.giveBack(key, ctx.now());
        return session;
      } catch (error) {
        const failed = error instanceof TRPCError && error.code === "UNAUTHORIZED";
        if (!failed && limit.allowed) ctx.exchangeFailures.giveBack(key, ctx.now());
        throw error;
      }
    }),

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
