// The notes example: the smallest app on the framework, and the code of the README's
// "Extending" walkthrough. Register its parts in apps/server/src/app.config.ts.
import { fileURLToPath } from "node:url";
import { loadMigrations, type MigrationSet } from "@agent-access/db";

export { deleteNote, findNotes, notesAssistant } from "./agent.ts";
export { addNote, deleteNote as deleteNoteOf, findNotes as findNotesOf, type Note } from "./db.ts";
export { notesRouter } from "./router.ts";

export const notesMigrations: MigrationSet = {
  name: "notes",
  migrations: loadMigrations(fileURLToPath(new URL("../migrations/", import.meta.url))),
};
