// @vitest-environment dom
// sendMessage with files against the real server: uploads with progress, file parts in the
// transcript, the builtin model's answer about them, a refused file named in `error`, and the
// download URL helper.
import { File as NodeFile } from "node:buffer";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, cleanup, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook, textOf } from "../test/render.tsx";
import { attachmentUrl } from "./attachments.ts";
import { useAgentContext } from "./use-agent-context.ts";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { useAgentSession } from "./use-agent-session.ts";
import { useAttachmentUrl } from "./use-attachment-url.ts";

// jsdom's File and FormData are not ones Node's fetch can send; a browser's are. Node's own
// stand in for them here.
const file = (content: string, name: string, type: string) =>
  new NodeFile([content], name, { type }) as unknown as File;

let server: TestServer;
let users = 0;
beforeAll(async () => {
  const nodeForm = await new Response("", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
  }).formData();
  vi.stubGlobal("FormData", nodeForm.constructor);
  server = await startTestServer();
});
// Each test's tree unmounts at its end (see use-composer.test.tsx).
afterEach(cleanup);
afterAll(async () => {
  vi.unstubAllGlobals();
  await server.close();
});

async function renderChat() {
  // A user of its own each time: a conversation of the test before is not in the list.
  const { ticket } = await staticTicket(server, `tenant:files:user:${++users}`);
  const browser = new TestBrowser(server.url);
  const rendered = renderAgentHook(browser, () => {
    const session = useAgentSession(ticket);
    const list = useAgentContexts({ enabled: session.hasSession });
    const chat = useAgentContext({
      contextId: list.contexts[0]?.id ?? "",
      agentName: session.activeAgent?.name,
    });
    const urlOf = useAttachmentUrl();
    return { session, list, chat, urlOf };
  });
  await waitFor(() => expect(rendered.result.current.session.hasSession).toBe(true));
  return { ...rendered, browser };
}

describe("sendMessage with files", () => {
  it("uploads them, sends them as file parts, and the model answers about them", async () => {
    const { result, browser } = await renderChat();
    const notes = file("a\nb\nc\n", "notes.txt", "text/plain");
    const sent = await act(() =>
      result.current.chat.sendMessage("How many lines are in the file?", { files: [notes] }),
    );
    expect(sent).not.toBeNull();
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    await waitFor(() =>
      expect(textOf(result.current.chat.messages.at(-1)!)).toBe("notes.txt has 3 lines."),
    );
    const parts = result.current.chat.messages.at(-2)!.parts;
    expect(parts).toEqual([
      { type: "text", text: "How many lines are in the file?" },
      {
        type: "file",
        id: expect.stringMatching(/^att_/),
        name: "notes.txt",
        mediaType: "text/plain",
        size: 6,
      },
    ]);
    expect(result.current.chat.uploads).toMatchObject([
      { status: "done", loaded: 6, total: 6, error: null },
    ]);

    const stored = parts[1] as { id: string };
    const url = result.current.urlOf(stored.id);
    expect(url).toMatch(new RegExp(`^${server.url}/attachments/${stored.id}\\?session=\\S+$`));
    const download = await browser.fetch(url);
    expect(await download.text()).toBe("a\nb\nc\n");
  });

  it("sends nothing when a file is refused, and names it", async () => {
    const { result } = await renderChat();
    const fake = file("not a picture", "photo.png", "image/png");
    const good = file("fine", "fine.txt", "text/plain");
    const sent = await act(() => result.current.chat.sendMessage("look", { files: [good, fake] }));
    console.log(
      "sent",
      sent,
      result.current.chat.error?.message,
      JSON.stringify(result.current.chat.uploads.map((u) => [u.status, u.error])),
      result.current.chat.messages.length,
    );
    expect(sent).toBeNull();
    expect(result.current.chat.error?.message).toMatch(
      /"photo.png" is named .png but its content is text\/plain/,
    );
    expect(result.current.chat.uploads.map((upload) => upload.status)).toEqual(["done", "failed"]);
    expect(result.current.chat.messages).toEqual([]);
  });
});

describe("attachmentUrl", () => {
  it("builds the download URL with the binding", () => {
    expect(attachmentUrl("att_1")).toBe("/attachments/att_1");
    expect(attachmentUrl("att_1", { baseUrl: "https://x.example/", sessionId: "s 1" })).toBe(
      "https://x.example/attachments/att_1?session=s%201",
    );
  });
});
