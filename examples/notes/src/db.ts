// The notes' data access. Every function takes the context group and filters by it in its SQL:
// the tenant rule lives here and nowhere else.
import { type Db, newId, statement } from "@agent-access/db";

export interface Note {
  id: string;
  text: string;
  createdAt: number;
}

const COLUMNS = "id, text, created_at AS createdAt";

export function addNote(db: Db, contextGroup: string, text: string, now: number): Note {
  const note = { id: newId("note"), text, createdAt: now };
  statement(db, "INSERT INTO note (id, context_group, text, created_at) VALUES (?, ?, ?, ?)").run(
    note.id,
    contextGroup,
    text,
    now,
  );
  return note;
}

/** The group's notes, newest first; with `query`, those whose text contains it. */
export function findNotes(db: Db, contextGroup: string, query?: string): Note[] {
  return statement<[{ group: string; query: string | null }], Note>(
    db,
    `SELECT ${COLUMNS} FROM note
      WHERE context_group = :group AND (:query IS NULL OR instr(lower(text), lower(:query)) > 0)
      ORDER BY created_at DESC, id DESC LIMIT 50`,
  ).all({ group: contextGroup, query: query ?? null });
}

/** Deletes the note if it is the group's; false for another group's note or a missing one. */
export function deleteNote(db: Db, contextGroup: string, noteId: string): boolean {
  return (
    statement(db, "DELETE FROM note WHERE id = ? AND context_group = ?").run(noteId, contextGroup)
      .changes === 1
  );
}
