// Attachments over HTTP: the upload route's every refusal (each naming the file and the rule,
// storing nothing), the private download and its headers, isolation between groups, fuzzed
// uploads, and files across a restart and a context's deletion.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "@agent-access/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JPEG, PDF, PNG, text, ZIP } from "../../../packages/agents/test/files.ts";
import {
  agentBrowser,
  CookieClient,
  startTestServer,
  type TestFile,
  type TestServer,
  uploadFiles,
} from "../test/harness.ts";

const MAX = 2048;
let server: TestServer;
const group = "workspace:1:user:files";
const otherGroup = "workspace:2:user:files";
beforeAll(async () => {
  server = await startTestServer({
    attachments: { maxFileBytes: MAX, groupQuotaBytes: 64 * 1024 },
  });
});
afterAll(() => server.close());

async function newContext(browser: CookieClient): Promise<string> {
  const { context } = await browser.trpc.context.create.mutate({ title: "Files" });
  return context.id;
}

type Uploaded = {
  files: { type: "file"; id: string; name: string; mediaType: string; size: number }[];
};

async function upload(browser: CookieClient, contextId: string, files: TestFile[]) {
  const response = await uploadFiles(browser, contextId, files);
  return {
    status: response.status,
    body: (await response.json()) as Uploaded & { error?: { code: string; message: string } },
  };
}

function stored(): number {
  return (server.db.prepare("SELECT count(*) AS n FROM attachment").get() as { n: number }).n;
}

async function waitIdle(browser: CookieClient, contextId: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const context = await browser.trpc.context.get.query({ contextId });
    if (context.status === "idle") return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the run did not finish");
}

describe("upload and download", () => {
  it("stores files, sends them with a message, and serves them back with safe headers", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const { status, body } = await upload(browser, contextId, [
      { name: "notes.txt", bytes: text("one\ntwo\n"), type: "text/plain" },
      { name: "dot.png", bytes: PNG, type: "image/png" },
    ]);
    expect(status).toBe(201);
    const [notes, dot] = body.files;
    expect(notes).toMatchObject({
      type: "file",
      name: "notes.txt",
      mediaType: "text/plain",
      size: 8,
    });
    expect(dot).toMatchObject({ name: "dot.png", mediaType: "image/png", size: PNG.byteLength });

    await browser.trpc.context.send.mutate({
      contextId,
      text: "What did I attach?",
      fileIds: [notes!.id, dot!.id],
    });
    await waitIdle(browser, contextId);
    const { items } = await browser.trpc.context.messages.query({ contextId });
    expect(items.at(-2)!.parts).toEqual([{ type: "text", text: "What did I attach?" }, notes, dot]);
    expect(items.at(-1)!.parts).toEqual([
      {
        type: "text",
        text: `You attached 2 files: notes.txt (text/plain, 8 bytes); dot.png (image/png, ${PNG.byteLength} bytes).`,
      },
    ]);

    const image = await browser.fetch(`/attachments/${dot!.id}`);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(image.headers.get("content-length")).toBe(String(PNG.byteLength));
    expect(image.headers.get("content-disposition")).toBe(
      `inline; filename="dot.png"; filename*=UTF-8''dot.png`,
    );
    expect(image.headers.get("x-content-type-options")).toBe("nosniff");
    expect(image.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG);

    const note = await browser.fetch(`/attachments/${notes!.id}`);
    expect(note.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(note.headers.get("content-disposition")).toMatch(/^attachment; filename="notes.txt"/);
    expect(note.headers.get("content-length")).toBe("8");
    expect(await note.text()).toBe("one\ntwo\n");
  });

  it("gives a non-ASCII name both as an ASCII stand-in and exactly", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const { body } = await upload(browser, contextId, [{ name: 'résumé "v2".pdf', bytes: PDF }]);
    const response = await browser.fetch(`/attachments/${body.files[0]!.id}`);
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="r_sum_ _v2_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.pdf`,
    );
    expect(response.headers.get("content-type")).toBe("application/pdf");
  });
});

describe("refusals name the file and the rule, and store nothing", () => {
  const cases: { what: string; files: TestFile[]; status: number; message: RegExp }[] = [
    {
      what: "an empty file",
      files: [{ name: "empty.txt", bytes: new Uint8Array() }],
      status: 400,
      message: /"empty.txt" is empty/,
    },
    {
      what: "a file over the limit",
      files: [{ name: "big.txt", bytes: new Uint8Array(MAX + 1).fill(97) }],
      status: 413,
      message: new RegExp(`"big.txt" is ${MAX + 1} bytes; a file may have at most ${MAX} bytes`),
    },
    {
      what: "a type not allowed",
      files: [{ name: "archive.zip", bytes: ZIP }],
      status: 400,
      message: /"archive.zip" is application\/zip, which cannot be attached/,
    },
    {
      what: "a name lying about the bytes",
      files: [{ name: "photo.png", bytes: JPEG }],
      status: 400,
      message: /"photo.png" is named .png but its content is image\/jpeg/,
    },
    {
      what: "a claimed type lying about the bytes",
      files: [{ name: "photo", bytes: PNG, type: "application/pdf" }],
      status: 400,
      message: /"photo" was sent as application\/pdf but its content is image\/png/,
    },
    {
      what: "text under a foreign extension",
      files: [{ name: "page.html", bytes: text("<script>alert(1)</script>") }],
      status: 400,
      message: /"page.html" is text with the extension .html/,
    },
    {
      what: "invalid JSON",
      files: [{ name: "data.json", bytes: text("{") }],
      status: 400,
      message: /"data.json" is named .json but is not valid JSON/,
    },
    {
      what: "more than 10 files",
      files: Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, bytes: text("x") })),
      status: 400,
      message: /11 files were sent; a message may carry at most 10/,
    },
    { what: "no file", files: [], status: 400, message: /No file was sent/ },
    {
      what: "a good file beside a bad one",
      files: [
        { name: "fine.txt", bytes: text("fine") },
        { name: "bad.gif", bytes: PNG },
      ],
      status: 400,
      message: /"bad.gif" is named .gif but its content is image\/png/,
    },
  ];
  for (const { what, files, status, message } of cases) {
    it(`refuses ${what}`, async () => {
      const browser = await agentBrowser(server, group);
      const contextId = await newContext(browser);
      const before = stored();
      const result = await upload(browser, contextId, files);
      expect(result.status).toBe(status);
      expect(result.body.error!.message).toMatch(message);
      expect(stored()).toBe(before);
    });
  }

  it("refuses a body that is not multipart, and one without a context", async () => {
    const browser = await agentBrowser(server, group);
    const json = await browser.fetch("/attachments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const form = new FormData();
    form.append("file", new Blob([text("x") as Uint8Array<ArrayBuffer>]), "a.txt");
    const noContext = await browser.fetch("/attachments", { method: "POST", body: form });
    expect(noContext.status).toBe(400);
    expect(((await noContext.json()) as { error: { message: string } }).error.message).toMatch(
      /contextId/,
    );
    const broken = await browser.fetch("/attachments", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
      body: "--xyz\r\nnot a part",
    });
    expect(broken.status).toBe(400);
  });

  it("refuses a body over the route's limit with 413 before reading it all", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const files = Array.from({ length: 10 }, (_, i) => ({
      name: `f${i}.txt`,
      bytes: new Uint8Array(MAX + 30_000).fill(97),
    }));
    const response = await uploadFiles(browser, contextId, files);
    expect(response.status).toBe(413);
  });

  it("refuses an upload over the group's quota", async () => {
    const quotaServer = await startTestServer({ attachments: { groupQuotaBytes: 10 } });
    try {
      const browser = await agentBrowser(quotaServer, "workspace:q:user:1");
      const { context } = await browser.trpc.context.create.mutate({ title: "q" });
      const first = await uploadFiles(browser, context.id, [
        { name: "a.txt", bytes: text("12345678") },
      ]);
      expect(first.status).toBe(201);
      const second = await uploadFiles(browser, context.id, [
        { name: "b.txt", bytes: text("123") },
      ]);
      expect(second.status).toBe(413);
      expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
        /quota of 10 bytes/,
      );
    } finally {
      await quotaServer.close();
    }
  });

  it("refuses a send with a file id of another context", async () => {
    const browser = await agentBrowser(server, group);
    const first = await newContext(browser);
    const second = await newContext(browser);
    const { body } = await upload(browser, first, [{ name: "a.txt", bytes: text("a") }]);
    const response = await browser.mutation("context.send", {
      contextId: second,
      text: "hi",
      fileIds: [body.files[0]!.id],
    });
    expect(response.status).toBe(404);
  });
});

describe("who may upload and download", () => {
  it("refuses without a session, with another session's binding, and from another origin", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const { body } = await upload(browser, contextId, [{ name: "a.txt", bytes: text("secret") }]);
    const id = body.files[0]!.id;

    const anonymous = await fetch(`${server.url}/attachments/${id}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain("secret");
    const bound = await browser.fetch(`/attachments/${id}?session=aas_someone_else`);
    expect(bound.status).toBe(401);
    const boundUpload = await uploadFiles(
      browser,
      contextId,
      [{ name: "b.txt", bytes: text("b") }],
      {
        "x-agent-session": "someone-else",
      },
    );
    expect(boundUpload.status).toBe(401);
    const foreign = await uploadFiles(browser, contextId, [{ name: "b.txt", bytes: text("b") }], {
      origin: "https://evil.example",
    });
    expect(foreign.status).toBe(403);
  });

  it("answers another group NOT_FOUND for a file id it learns, exactly as for no file", async () => {
    const owner = await agentBrowser(server, group);
    const contextId = await newContext(owner);
    const { body } = await upload(owner, contextId, [{ name: "a.txt", bytes: text("secret") }]);
    const stranger = await agentBrowser(server, otherGroup);
    const learned = await stranger.fetch(`/attachments/${body.files[0]!.id}`);
    const unknown = await stranger.fetch("/attachments/att_does_not_exist");
    expect(learned.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await learned.json()).toEqual(await unknown.json());
    // Nor can it upload into the owner's conversation.
    const into = await uploadFiles(stranger, contextId, [{ name: "b.txt", bytes: text("b") }]);
    expect(into.status).toBe(404);
  });
});

describe("fuzzed uploads", () => {
  it("never answer 5xx, whatever the bytes, names and claimed types", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            name: fc.oneof(
              fc.string({ maxLength: 40 }),
              fc.constantFrom("a.png", "b.json", "c.csv", "../../x.md", "d.pdf"),
            ),
            bytes: fc.oneof(
              fc.uint8Array({ maxLength: 300 }),
              fc.constantFrom(PNG, JPEG, PDF, ZIP, text("a,b\n1,2")),
            ),
            type: fc.constantFrom(
              "",
              "image/png",
              "text/plain",
              "application/json",
              "application/pdf",
              "x/y",
            ),
          }),
          { maxLength: 3 },
        ),
        async (files) => {
          const response = await uploadFiles(browser, contextId, files);
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("files and the life of their context", () => {
  it("survive a restart, and go with their context's deletion", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-attach-"));
    const file = path.join(dir, "test.db");
    const db = openDatabase(file);
    const first = await startTestServer({ db });
    const browser = await agentBrowser(first, "workspace:r:user:1");
    const { context } = await browser.trpc.context.create.mutate({ title: "r" });
    const uploaded = (await (
      await uploadFiles(browser, context.id, [{ name: "dot.png", bytes: PNG }])
    ).json()) as Uploaded;
    const id = uploaded.files[0]!.id;
    await browser.trpc.context.send.mutate({ contextId: context.id, text: "look", fileIds: [id] });
    await waitIdle(browser, context.id);
    await first.close();
    db.close();

    const reopened = openDatabase(file);
    const second = await startTestServer({ db: reopened });
    try {
      // The same browser, its cookie and all, talking to the restarted server.
      const again = new CookieClient(second.url);
      for (const [name, value] of browser.cookies) again.cookies.set(name, value);
      const after = await again.fetch(`/attachments/${id}`);
      expect(after.status).toBe(200);
      expect(new Uint8Array(await after.arrayBuffer())).toEqual(PNG);
      await again.mutation("context.delete", { contextId: context.id });
      expect((await again.fetch(`/attachments/${id}`)).status).toBe(404);
      expect(reopened.prepare("SELECT count(*) AS n FROM attachment_blob").get()).toEqual({ n: 0 });
    } finally {
      await second.close();
      reopened.close();
    }
  });
});
