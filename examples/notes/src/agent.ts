// The notes assistant: finds the notes of the conversation's context group, and deletes one
// with the user's approval. Its tools take the group from the engine, never from the model.
import { defineAgent, defineTool } from "@agent-access/agents";
import { z } from "zod";
import { deleteNote as deleteNoteRow, findNotes as findNoteRows } from "./db.ts";

export const findNotes = defineTool({
  description: "Find the notes of this conversation, optionally only those containing some text.",
  inputSchema: z.object({
    query: z.string().max(200).optional().describe("Text the notes must contain."),
  }),
  execute(input, context) {
    const notes = findNoteRows(context.db, context.contextGroup, input.query);
    return {
      notes,
      summary:
        notes.length === 0
          ? "There are no notes here yet."
          : `${notes.length} note(s): ${notes.map((note) => `${note.id} "${note.text}"`).join("; ")}.`,
    };
  },
});

export const deleteNote = defineTool({
  description: "Delete one note of this conversation by its id.",
  inputSchema: z.object({ noteId: z.string().min(1).max(100) }),
  needsApproval: true,
  execute(input, context) {
    if (!deleteNoteRow(context.db, context.contextGroup, input.noteId)) {
      throw new Error(`There is no note ${input.noteId} here.`);
    }
    return { deleted: input.noteId, summary: `Deleted the note ${input.noteId}.` };
  },
});

export const notesAssistant = defineAgent({
  id: "notes-assistant",
  name: "Notes assistant",
  description: "Finds and deletes the notes of this conversation's group.",
  instructions: [
    "You keep the user's notes.",
    "Find notes with findNotes and quote them; never invent one.",
    "Delete a note with deleteNote only when the user asks; the user approves each deletion.",
  ].join("\n"),
  tools: { findNotes, deleteNote },
});
