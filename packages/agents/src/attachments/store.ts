// Where attachment bytes live, behind one small interface: the database (the default; SQLite
// blob) or a folder on disk (ATTACHMENTS_DIR), one file per attachment named by its id. The
// attachment row (packages/db/src/attachments.ts) is written first; deleting it deletes the
// database store's bytes with it, and the folder store is told to remove its files.
import fs from "node:fs/promises";
import path from "node:path";
import { type Db, getAttachmentBlob, insertAttachmentBlob } from "@agent-access/db";

export interface AttachmentStore {
  readonly kind: "database" | "folder";
  /** Stores the bytes of the attachment `id`, whose row exists. */
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or null if there are none (never stored, or removed). */
  get(id: string): Promise<Uint8Array | null>;
  /** Removes the bytes of attachments whose rows were deleted. Missing ones are no error. */
  remove(ids: readonly string[]): Promise<void>;
}

/** Bytes in the attachment_blob table; removed with their rows (ON DELETE CASCADE). */
export function databaseAttachmentStore(db: Db): AttachmentStore {
  return {
    kind: "database",
    async put(id, bytes) {
      await insertAttachmentBlob(db, id, bytes);
    },
    async get(id) {
      return (await getAttachmentBlob(db, id)) ?? null;
    },
    async remove() {},
  };
}

// Ids come from newId ("att_" and base64url), so they are safe file names; anything else is
// refused rather than joined into a path.
const SAFE_ID = /^att_[A-Za-z0-9_-]{1,64}$/;

function fileOf(dir: string, id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`Not an attachment id: ${JSON.stringify(id)}`);
  return path.join(dir, id);
}

/** Bytes in files under `dir` (created if missing), written whole or not at all. */
export function folderAttachmentStore(dir: string): AttachmentStore {
  const ready = fs.mkdir(dir, { recursive: true });
  return {
    kind: "folder",
    async put(id, bytes) {
      await ready;
      const target = fileOf(dir, id);
      const partial = `${target}.partial`;
      await fs.writeFile(partial, bytes, { flag: "wx", mode: 0o600 });
      await fs.rename(partial, target);
    },
    async get(id) {
      await ready;
      try {
        return await fs.readFile(fileOf(dir, id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async remove(ids) {
      await ready;
      await Promise.all(ids.map((id) => fs.rm(fileOf(dir, id), { force: true })));
    },
  };
}
