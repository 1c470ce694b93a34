// The notes' data access. Every function takes the context group and filters by it in its SQL:
// the tenant rule lives here and nowhere else.
import { all, type Db, dialectOf, newId, run } from "@agent-access/db";

export interface Note {
  id: string;
  text: string;
  createdAt: number;
}

const COLUMNS = 'id, text, created_at AS "createdAt"';

export async function addNote(
  db: Db,
  contextGroup: string,
  text: string,
  now: number,
): Promise<Note> {
  const note = { id: newId("note"), text, createdAt: now };
  await run(db, "INSERT INTO note (id, context_group, text, created_at) VALUES (?, ?, ?, ?)", [
    note.id,
    contextGroup,
    text,
    now,
  ]);
  return note;
}

/** The group's notes, newest first; with `query`, those whose text contains it. */
export function findNotes(db: Db, contextGroup: string, query?: string): Promise<Note[]> {
  // strpos is PostgreSQL's instr; both find the text literally (no LIKE wildcards).
  return all<Note>(
    db,
    `SELECT ${COLUMNS} FROM note
      WHERE context_group = :group
        AND (CAST(:query AS text) IS NULL OR ${dialectOf(db) === "postgres" ? "strpos" : "instr"}(lower(text), lower(CAST(:query AS text))) > 0)
      ORDER BY created_at DESC, id DESC LIMIT 50`,
    { group: contextGroup, query: query ?? null },
  );
}

/** Deletes the note if it is the group's; false for another group's note or a missing one. */
export async function deleteNote(db: Db, contextGroup: string, noteId: string): Promise<boolean> {
  const deleted = await run(db, "DELETE FROM note WHERE id = ? AND context_group = ?", [
    noteId,
    contextGroup,
  ]);
  return deleted === 1;
}
