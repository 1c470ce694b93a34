import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { all, get, run } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { PNG, text, ZIP } from "../../test/files.ts";
import {
  AGENT,
  eventsUntil,
  runFinished,
  setup,
  teardown,
  tempDbFile,
  textOf,
} from "../../test/harness.ts";
import { folderAttachmentStore } from "../attachments/store.ts";
import { AgentRuntimeError } from "../errors.ts";

describeEachDialect("attachments", () => {
  afterEach(teardown);

  const NOTES = "first line\nsecond line has more words\nthird\n";

  async function conversation(options: Parameters<typeof setup>[0] = {}) {
    const env = await setup(options);
    const { context } = await env.runtime.createContext(env.scope, { agentId: AGENT });
    return { ...env, contextId: context.id };
  }

  async function ask(
    env: Awaited<ReturnType<typeof conversation>>,
    question: string,
    fileIds: string[] = [],
  ) {
    const sent = await env.runtime.send(env.scope, env.contextId, { text: question, fileIds });
    await eventsUntil(env.runtime, env.scope, env.contextId, runFinished(sent.runId));
    const { items } = await env.runtime.listMessages(env.scope, env.contextId, { limit: 50 });
    return { sent, items, answer: textOf(items.at(-1)) };
  }

  async function refusal(promise: Promise<unknown>): Promise<AgentRuntimeError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentRuntimeError);
    return error as AgentRuntimeError;
  }

  describe("attachments in a conversation", () => {
    it("sends files with a message as file parts, and the builtin model reads them", async () => {
      const env = await conversation();
      const files = await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "notes.txt", claimedType: "text/plain", bytes: text(NOTES) },
        { name: "dot.png", bytes: PNG },
      ]);
      expect(files.map(({ name, mediaType, size }) => ({ name, mediaType, size }))).toEqual([
        { name: "notes.txt", mediaType: "text/plain", size: NOTES.length },
        { name: "dot.png", mediaType: "image/png", size: PNG.byteLength },
      ]);
      const { items, answer } = await ask(
        env,
        "What did I attach?",
        files.map((f) => f.id),
      );
      expect(items.at(-2)!.parts).toEqual([{ type: "text", text: "What did I attach?" }, ...files]);
      expect(answer).toBe(
        `You attached 2 files: notes.txt (text/plain, ${NOTES.length} bytes); dot.png (image/png, ${PNG.byteLength} bytes).`,
      );
      expect((await ask(env, "How many lines are in the file?")).answer).toBe(
        "notes.txt has 3 lines.",
      );
      expect((await ask(env, "how many words does the file have?")).answer).toBe(
        "notes.txt has 8 words.",
      );
    });

    it("names the context after the first file when the message has no text", async () => {
      const env = await conversation();
      const [file] = await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "table.csv", bytes: text("a,b\n1,2\n") },
      ]);
      const { items } = await ask(env, "", [file!.id]);
      expect(items.at(-2)!.parts).toEqual([file]);
      // The model then names it from that file name (the builtin model capitalises it).
      expect((await env.runtime.getContext(env.scope, env.contextId)).title).toBe("Table.csv");
    });

    it("refuses a batch with one bad file and stores none of it", async () => {
      const env = await conversation();
      const error = await refusal(
        env.runtime.uploadAttachments(env.scope, env.contextId, [
          { name: "fine.txt", bytes: text("fine") },
          { name: "archive.png", bytes: ZIP },
        ]),
      );
      expect(error.code).toBe("BAD_REQUEST");
      expect(error.message).toContain('"archive.png"');
      expect(await get(env.db, "SELECT count(*) AS n FROM attachment")).toEqual({ n: 0 });
      expect(await get(env.db, "SELECT count(*) AS n FROM attachment_blob")).toEqual({ n: 0 });
    });

    it("refuses more than 10 files, none, an oversized one and a group over its quota", async () => {
      const env = await conversation({ attachments: { maxFileBytes: 10, groupQuotaBytes: 15 } });
      const one = { name: "a.txt", bytes: text("abc") };
      expect(
        (
          await refusal(
            env.runtime.uploadAttachments(env.scope, env.contextId, Array(11).fill(one)),
          )
        ).message,
      ).toContain("at most 10");
      expect(
        (await refusal(env.runtime.uploadAttachments(env.scope, env.contextId, []))).code,
      ).toBe("BAD_REQUEST");
      const big = await refusal(
        env.runtime.uploadAttachments(env.scope, env.contextId, [
          { name: "big.txt", bytes: text("x".repeat(11)) },
        ]),
      );
      expect(big.code).toBe("PAYLOAD_TOO_LARGE");
      expect(big.message).toContain('"big.txt"');
      await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "ten.txt", bytes: text("x".repeat(10)) },
      ]);
      const quota = await refusal(
        env.runtime.uploadAttachments(env.scope, env.contextId, [
          { name: "six.txt", bytes: text("x".repeat(6)) },
        ]),
      );
      expect(quota.code).toBe("PAYLOAD_TOO_LARGE");
      expect(quota.message).toContain("quota of 15 bytes");
    });

    it("keeps files out of reach of another group, and refuses foreign or sent ids", async () => {
      const env = await conversation();
      const [file] = await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "a.txt", bytes: text("secret") },
      ]);
      const other = { ...env.scope, contextGroup: "workspace:other:user:1" };
      expect((await refusal(env.runtime.readAttachment(other, file!.id))).code).toBe("NOT_FOUND");
      expect((await refusal(env.runtime.readAttachment(env.scope, "att_nope"))).code).toBe(
        "NOT_FOUND",
      );
      const read = await env.runtime.readAttachment(env.scope, file!.id);
      expect(new TextDecoder().decode(read.bytes)).toBe("secret");

      const { context: second } = await env.runtime.createContext(env.scope, { agentId: AGENT });
      expect(
        (
          await refusal(
            env.runtime.send(env.scope, second.id, { text: "here", fileIds: [file!.id] }),
          )
        ).code,
      ).toBe("NOT_FOUND");
      await ask(env, "look", [file!.id]);
      expect(
        (
          await refusal(
            env.runtime.send(env.scope, env.contextId, { text: "again", fileIds: [file!.id] }),
          )
        ).code,
      ).toBe("CONFLICT");
    });

    it("deletes a context's files with it, and sweeps uploads never sent", async () => {
      const env = await conversation({ attachments: { unsentGraceMs: 60_000 } });
      const [sent] = await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "kept.txt", bytes: text("kept") },
      ]);
      await ask(env, "look", [sent!.id]);
      await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "left.txt", bytes: text("left") },
      ]);
      expect(await env.runtime.sweepAttachments()).toBe(0);
      // Both uploads grow older than the grace period: only the one never sent goes.
      await run(env.db, "UPDATE attachment SET created_at = created_at - 120000");
      expect(await env.runtime.sweepAttachments()).toBe(1);
      expect(await all(env.db, "SELECT name FROM attachment")).toEqual([{ name: "kept.txt" }]);

      await env.runtime.deleteContext(env.scope, env.contextId);
      expect(await get(env.db, "SELECT count(*) AS n FROM attachment")).toEqual({ n: 0 });
      expect(await get(env.db, "SELECT count(*) AS n FROM attachment_blob")).toEqual({ n: 0 });
    });

    it("keeps files in a folder when told to, across a restart, until the context goes", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-files-"));
      const file = tempDbFile();
      const env = await conversation({ file, attachments: { store: folderAttachmentStore(dir) } });
      const [stored] = await env.runtime.uploadAttachments(env.scope, env.contextId, [
        { name: "dot.png", bytes: PNG },
      ]);
      await ask(env, "what did I attach?", [stored!.id]);
      expect(fs.readdirSync(dir)).toEqual([stored!.id]);
      expect(await get(env.db, "SELECT count(*) AS n FROM attachment_blob")).toEqual({ n: 0 });

      await env.runtime.close();
      const again = env.restart();
      expect((await again.readAttachment(env.scope, stored!.id)).bytes).toEqual(Buffer.from(PNG));
      await again.deleteContext(env.scope, env.contextId);
      expect(fs.readdirSync(dir)).toEqual([]);
    });
  });
});
