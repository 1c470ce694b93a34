// Attachments as the runtime sees them: uploads into a context the caller can reach, files of a
// context read back under the same rule, the claim a sent message makes on its uploads, and the
// clean-up of deleted contexts' files and of uploads never sent.
import {
  type AgentScope,
  type AttachmentRow,
  attachmentsOfContext,
  type ContextRow,
  claimAttachments,
  type Db,
  deleteAttachment,
  deleteAttachmentsOfContext,
  deleteAttachmentsOfDeletedContexts,
  deleteUnsentAttachments,
  findContext,
  getAttachment,
  groupAttachmentBytes,
  insertAttachment,
  newId,
} from "@agent-access/db";
import {
  cleanFileName,
  DEFAULT_GROUP_QUOTA_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_UNSENT_GRACE_MS,
  judgeFile,
  MAX_FILES_PER_MESSAGE,
} from "../attachments/policy.ts";
import type { AttachmentStore } from "../attachments/store.ts";
import { AgentRuntimeError } from "../errors.ts";
import type { FilePart } from "../types.ts";

export interface AttachmentOptions {
  /** Where the bytes live. Default: the database (databaseAttachmentStore). */
  store: AttachmentStore;
  /** Largest file, in bytes. Default 10 MB. */
  maxFileBytes?: number;
  /** Bytes of attachments one context group may hold. Default 500 MB. */
  groupQuotaBytes?: number;
  /** How long an upload may wait to be sent before it is deleted, in ms. Default 1 hour. */
  unsentGraceMs?: number;
}

/** A file as uploaded: its name, the type the browser claimed (if any), and its bytes. */
export interface UploadedFile {
  name: string;
  claimedType?: string;
  bytes: Uint8Array;
}

export function attachmentNotFound(): AgentRuntimeError {
  return new AgentRuntimeError(
    "NOT_FOUND",
    "File not found: it was deleted or belongs to another session.",
  );
}

export function toFilePart(row: AttachmentRow): FilePart {
  return { type: "file", id: row.id, name: row.name, mediaType: row.media_type, size: row.size };
}

export function createAttachments(
  { db, now }: { db: Db; now: () => number },
  options: AttachmentOptions,
) {
  const { store } = options;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const groupQuotaBytes = options.groupQuotaBytes ?? DEFAULT_GROUP_QUOTA_BYTES;
  const unsentGraceMs = options.unsentGraceMs ?? DEFAULT_UNSENT_GRACE_MS;

  async function removeRows(ids: string[]): Promise<void> {
    if (ids.length > 0) await store.remove(ids);
  }

  return {
    store,
    maxFileBytes,
    groupQuotaBytes,

    /**
     * Stores `files` as uploads of `context` waiting to be sent. All or nothing: every file is
     * judged first, and one refusal (naming the file and the rule) stores none of them.
     */
    async upload(context: ContextRow, files: readonly UploadedFile[]): Promise<FilePart[]> {
      if (files.length === 0) {
        throw new AgentRuntimeError("BAD_REQUEST", "No file was sent: attach at least one.");
      }
      if (files.length > MAX_FILES_PER_MESSAGE) {
        throw new AgentRuntimeError(
          "BAD_REQUEST",
          `${files.length} files were sent; a message may carry at most ${MAX_FILES_PER_MESSAGE}.`,
        );
      }
      const judged: { name: string; mediaType: string; bytes: Uint8Array }[] = [];
      for (const file of files) {
        const name = cleanFileName(file.name);
        const verdict = await judgeFile({ ...file, name }, maxFileBytes);
        if (!verdict.ok) {
          throw new AgentRuntimeError(
            verdict.rule === "too-large" ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
            verdict.message,
          );
        }
        judged.push({ name, mediaType: verdict.mediaType, bytes: file.bytes });
      }
      const total = judged.reduce((sum, file) => sum + file.bytes.byteLength, 0);
      const held = await groupAttachmentBytes(db, context.context_group);
      if (held + total > groupQuotaBytes) {
        throw new AgentRuntimeError(
          "PAYLOAD_TOO_LARGE",
          `These files (${total} bytes) would take this group's attachments over its quota of ${groupQuotaBytes} bytes (${held} in use): delete conversations with files to make room.`,
        );
      }
      const stored: FilePart[] = [];
      try {
        for (const file of judged) {
          const id = newId("att");
          const row = {
            id,
            contextId: context.id,
            contextGroup: context.context_group,
            name: file.name,
            mediaType: file.mediaType,
            size: file.bytes.byteLength,
            now: now(),
          };
          await insertAttachment(db, row);
          stored.push({
            type: "file",
            id,
            name: row.name,
            mediaType: row.mediaType,
            size: row.size,
          });
          await store.put(id, file.bytes);
        }
      } catch (error) {
        // A failed write keeps nothing of the batch.
        for (const part of stored) await deleteAttachment(db, part.id).catch(() => {});
        await removeRows(stored.map((part) => part.id)).catch(() => {});
        throw error;
      }
      return stored;
    },

    /** Inside a commit: the parts of uploads `ids` of `contextId`, now taken by `messageId`. */
    async claim(
      tx: Db,
      contextId: string,
      messageId: string,
      ids: readonly string[],
    ): Promise<FilePart[]> {
      if (ids.length > MAX_FILES_PER_MESSAGE) {
        throw new AgentRuntimeError(
          "BAD_REQUEST",
          `A message may carry at most ${MAX_FILES_PER_MESSAGE} files.`,
        );
      }
      const unique = [...new Set(ids)];
      const rows = await attachmentsOfContext(tx, contextId, unique);
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const id of unique) {
        const row = byId.get(id);
        if (!row) throw attachmentNotFound();
        if (row.message_id !== null) {
          throw new AgentRuntimeError(
            "CONFLICT",
            `"${row.name}" was already sent with another message: attach it again.`,
          );
        }
      }
      if ((await claimAttachments(tx, contextId, messageId, unique)) !== unique.length) {
        throw new AgentRuntimeError("CONFLICT", "A file was sent with another message meanwhile.");
      }
      return unique.map((id) => toFilePart(byId.get(id)!));
    },

    /** The attachment `id` and its bytes, if `scope` can read its context; else NOT_FOUND. */
    async read(scope: AgentScope, id: string): Promise<{ file: FilePart; bytes: Uint8Array }> {
      const row = await getAttachment(db, id);
      // The tenant rule is the context's: findContext's SQL decides.
      if (!row || !(await findContext(db, scope, row.context_id))) throw attachmentNotFound();
      const bytes = await store.get(row.id);
      if (!bytes) throw attachmentNotFound();
      return { file: toFilePart(row), bytes };
    },

    /** The bytes of files the model is to see (missing ones are left out). */
    async load(ids: readonly string[]): Promise<Map<string, Uint8Array>> {
      const loaded = new Map<string, Uint8Array>();
      for (const id of ids) {
        const bytes = await store.get(id);
        if (bytes) loaded.set(id, bytes);
      }
      return loaded;
    },

    /** After a context is deleted: its files go too. */
    /** Removes the bytes of attachments whose rows are already gone. */
    async removeFiles(ids: readonly string[]): Promise<void> {
      if (ids.length > 0) await store.remove(ids);
    },

    async deleteOfContext(contextId: string): Promise<void> {
      await removeRows(await deleteAttachmentsOfContext(db, contextId));
    },

    /**
     * Deletes uploads never sent within the grace period, and files of contexts deleted without
     * their files (a crash between the two). Returns how many it deleted.
     */
    async sweep(): Promise<number> {
      const ids = [
        ...(await deleteUnsentAttachments(db, now() - unsentGraceMs)),
        ...(await deleteAttachmentsOfDeletedContexts(db)),
      ];
      await removeRows(ids);
      return ids.length;
    },
  };
}

export type Attachments = ReturnType<typeof createAttachments>;
