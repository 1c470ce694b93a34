// Ticket minting for backends over tRPC; POST /session/tickets is the same procedure over REST.
import { mintTicket, ticketRequestSchema } from "../tickets.ts";
import { backendProcedure, createTRPCRouter } from "../trpc.ts";

export const ticketRouter = createTRPCRouter({
  create: backendProcedure.input(ticketRequestSchema).mutation(
    async ({ ctx, input }) =>
      await mintTicket(ctx, input, `api_key:${ctx.apiKey.id}`, undefined, {
        apiKeyId: ctx.apiKey.id,
      }),
  ),
});
