// Files attached to messages: their rows, and their bytes when the database is the store. The
// tenant rule is not repeated here: a caller finds an attachment's context and then reaches it
// through `findContext` (contexts.ts), so a file is exactly as reachable as its context.
import type { Db } from "./connection.ts";
import { all, get, run } from "./sql.ts";

export interface AttachmentRow {
  id: string;
  context_id: string;
  context_group: string;
  /** The user message that carries it; null while the upload waits to be sent. */
  message_id: string | null;
  name: string;
  media_type: string;
  size: number;
  created_at: number;
}

const COLUMNS = "id, context_id, context_group, message_id, name, media_type, size, created_at";

export interface NewAttachment {
  id: string;
  contextId: string;
  contextGroup: string;
  name: string;
  mediaType: string;
  size: number;
  now: number;
}

export async function insertAttachment(db: Db, attachment: NewAttachment): Promise<void> {
  await run(
    db,
    `INSERT INTO attachment (id, context_id, context_group, name, media_type, size, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      attachment.id,
      attachment.contextId,
      attachment.contextGroup,
      attachment.name,
      attachment.mediaType,
      attachment.size,
      attachment.now,
    ],
  );
}

/** An attachment by id alone; the caller then checks its context against the scope. */
export function getAttachment(db: Db, id: string): Promise<AttachmentRow | undefined> {
  return get<AttachmentRow>(db, `SELECT ${COLUMNS} FROM attachment WHERE id = ?`, [id]);
}

/** The attachments of `contextId` among `ids`, in no particular order. */
export function attachmentsOfContext(
  db: Db,
  contextId: string,
  ids: readonly string[],
): Promise<AttachmentRow[]> {
  return all<AttachmentRow>(
    db,
    `SELECT ${COLUMNS} FROM attachment
      WHERE context_id = ? AND id IN (SELECT value FROM json_each(?))`,
    [contextId, JSON.stringify(ids)],
  );
}

/** Gives unsent attachments to a message; returns how many it took. */
export function claimAttachments(
  db: Db,
  contextId: string,
  messageId: string,
  ids: readonly string[],
): Promise<number> {
  return run(
    db,
    `UPDATE attachment SET message_id = ?
      WHERE context_id = ? AND message_id IS NULL AND id IN (SELECT value FROM json_each(?))`,
    [messageId, contextId, JSON.stringify(ids)],
  );
}

/** Hands a message's attachments to the message that replaces it (an edited turn). */
export function moveAttachments(
  db: Db,
  contextId: string,
  fromMessageId: string,
  toMessageId: string,
): Promise<number> {
  return run(db, "UPDATE attachment SET message_id = ? WHERE context_id = ? AND message_id = ?", [
    toMessageId,
    contextId,
    fromMessageId,
  ]);
}

/** Bytes held by a context group's attachments, for its storage quota. */
export async function groupAttachmentBytes(db: Db, contextGroup: string): Promise<number> {
  const row = await get<{ bytes: number }>(
    db,
    "SELECT coalesce(sum(size), 0) AS bytes FROM attachment WHERE context_group = ?",
    [contextGroup],
  );
  return row!.bytes;
}

/** Deletes a context's attachments (with their stored bytes); returns their ids. */
export async function deleteAttachmentsOfContext(db: Db, contextId: string): Promise<string[]> {
  const rows = await all<{ id: string }>(
    db,
    "DELETE FROM attachment WHERE context_id = ? RETURNING id",
    [contextId],
  );
  return rows.map((row) => row.id);
}

/** Deletes attachments never sent with a message and created before `before`; returns ids. */
export async function deleteUnsentAttachments(db: Db, before: number): Promise<string[]> {
  const rows = await all<{ id: string }>(
    db,
    "DELETE FROM attachment WHERE message_id IS NULL AND created_at < ? RETURNING id",
    [before],
  );
  return rows.map((row) => row.id);
}

/** Deletes attachments of contexts already deleted (a crash between the two steps). */
export async function deleteAttachmentsOfDeletedContexts(db: Db): Promise<string[]> {
  const rows = await all<{ id: string }>(
    db,
    `DELETE FROM attachment
      WHERE context_id IN (SELECT id FROM context WHERE deleted_at IS NOT NULL) RETURNING id`,
  );
  return rows.map((row) => row.id);
}

export async function deleteAttachment(db: Db, id: string): Promise<void> {
  await run(db, "DELETE FROM attachment WHERE id = ?", [id]);
}

/** The database store's bytes of one attachment. */
export async function insertAttachmentBlob(db: Db, id: string, data: Uint8Array): Promise<void> {
  await run(db, "INSERT INTO attachment_blob (attachment_id, data) VALUES (?, ?)", [
    id,
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
}

export async function getAttachmentBlob(db: Db, id: string): Promise<Uint8Array | undefined> {
  const row = await get<{ data: Buffer }>(
    db,
    "SELECT data FROM attachment_blob WHERE attachment_id = ?",
    [id],
  );
  return row?.data;
}
