// Ticket minting for backends over tRPC; POST /session/tickets is the same steps over REST.
import { mintTicketForApiKey, ticketRequestSchema } from "../tickets.ts";
import { backendProcedure, createTRPCRouter } from "../trpc.ts";

export const ticketRouter = createTRPCRouter({
  create: backendProcedure
    .input(ticketRequestSchema)
    .mutation(({ ctx, input }) => mintTicketForApiKey(ctx, ctx.apiKey, input)),
});
