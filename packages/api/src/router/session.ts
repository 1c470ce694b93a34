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
  previewTicket,
} from "../agent-sessions.ts";
import type { RequestContext } from "../context.ts";
import { tooManyRequests } from "../rate-limited.ts";
import { createTRPCRouter, publicProcedure } from "../trpc.ts";

/**
 * Runs `attempt` (an exchange or a preview of `ticket`) under the failed-exchange limit per IP.
 * Only failures count, and each one counts as it happens: a failed attempt takes a token (check
 * and spend in one step, one upsert when the limiter is in the database, shared by every
 * instance) and, when none is left, its answer is a 429 instead of why it failed. The calls of a
 * batch, or of parallel requests on any instance, are counted one by one, so no number of them
 * can learn more than the tokens left allow. A success touches no count at all: the limit costs
 * the ticket path nothing until someone guesses.
 */
async function limitedByFailures<T>(
  ctx: RequestContext,
  ticket: string,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (!(error instanceof TRPCError && error.code === "UNAUTHORIZED")) throw error;
    const limit = await ctx.exchangeFailures.take(ipRateLimitKey(ctx.clientIp), ctx.now());
    // Over the limit, a ticket that would exchange still gets its own answer (a signin ticket
    // without a sign-in: "sign in first"): the limit is for guesses, and a user behind the same
    // address as a guesser (one NAT) must not be locked out by them.
    if (!limit.allowed && !(await isExchangeable(ctx, ticket))) {
      throw tooManyRequests(
        ctx.resHeaders,
        limit.retryAfterMs,
        "too many failed ticket exchanges from here: wait a moment, then open the agent again",
      );
    }
    throw error;
  }
}

const ticketInput = z.object({ ticket: z.string().min(1).max(256) });

export const sessionRouter = createTRPCRouter({
  /**
   * Trades a ticket (once) for the agent_session cookie; replaces the browser's older session.
   * Replacing a live session of another context group needs `confirmReplace` (else CONFLICT).
   */
  exchange: publicProcedure
    .input(ticketInput.extend({ confirmReplace: z.boolean().optional() }))
    .mutation(({ ctx, input }) =>
      limitedByFailures(ctx, input.ticket, () =>
        exchangeTicket(ctx, input.ticket, { confirmReplace: input.confirmReplace }),
      ),
    ),

  /**
   * What exchanging a ticket would give, beside the session the browser holds, without using
   * the ticket: for the page to ask before switching groups. Limited like the exchange.
   */
  preview: publicProcedure
    .input(ticketInput)
    .query(({ ctx, input }) =>
      limitedByFailures(ctx, input.ticket, () => previewTicket(ctx, input.ticket)),
    ),

  /** The browser's agent session, or null when it has none that is live. */
  current: publicProcedure.query(async ({ ctx }) => {
    const check = await checkAgentSession(ctx);
    return check.status === "valid" ? await describeSession(ctx, check.session) : null;
  }),

  /** Ends the browser's agent session. */
  end: publicProcedure.mutation(async ({ ctx }) => {
    await endAgentSession(ctx);
    return { ended: true };
  }),
});
