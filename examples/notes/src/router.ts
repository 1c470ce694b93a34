// The notes' own procedures, beside the framework's: an agent session adds and lists the notes
// of its context group (agentProcedure puts the group on ctx.agentSession).
import { agentProcedure, createTRPCRouter } from "@agent-access/api";
import { z } from "zod";
import { addNote, findNotes } from "./db.ts";

export const notesRouter = createTRPCRouter({
  list: agentProcedure.query(({ ctx }) => findNotes(ctx.db, ctx.agentSession.contextGroup)),

  add: agentProcedure
    .input(z.object({ text: z.string().trim().min(1).max(2000) }))
    .mutation(({ ctx, input }) =>
      addNote(ctx.db, ctx.agentSession.contextGroup, input.text, ctx.now()),
    ),
});
