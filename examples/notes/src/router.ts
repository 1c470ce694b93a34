// The notes' own procedures, beside the framework's: an agent session adds and lists the notes
// of its context group (agentProcedure puts the group on ctx.agentSession).
import { agentProcedure, createTRPCRouter } from "@agent-access/api";
import { z } from "zod";
import { addNote, findNotes } from "./db.ts";

export const notesRouter = createTRPCRouter({
  list: agentProcedure.query(
    async ({ ctx }) => await findNotes(ctx.db, ctx.agentSession.contextGroup),
  ),

  add: agentProcedure
    .input(z.object({ text: z.string().trim().min(1).max(2000) }))
    .mutation(
      async ({ ctx, input }) =>
        await addNote(ctx.db, ctx.agentSession.contextGroup, input.text, ctx.now()),
    ),
});
