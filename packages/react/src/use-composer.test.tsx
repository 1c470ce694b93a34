// @vitest-environment dom
// useComposer against the real server: the draft kept per conversation across a reload (a new
// provider on the same storage), why sending is blocked (empty, too long, a reply running, a
// question waiting), and a refused message given back to the composer.
import { File as NodeFile } from "node:buffer";
import { seedFixture } from "@agent-access/agents/testing";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, cleanup, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook } from "../test/render.tsx";
import { DRAFTS_KEY, type DraftStorage } from "./drafts.ts";
import { useAgentContext } from "./use-agent-context.ts";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { useAgentSession } from "./use-agent-session.ts";
import { MAX_MESSAGE_LENGTH, useComposer } from "./use-composer.ts";

let server: TestServer;
/** The group of the running test: a tenant of its own, with the test agent's data. */
let group: string;
let users = 0;
beforeAll(async () => {
  // jsdom's FormData is not one Node's fetch can send (see attachments.test.tsx).
  const nodeForm = await new Response("", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
  }).formData();
  vi.stubGlobal("FormData", nodeForm.constructor);
  server = await startTestServer({ tokenDelayMs: 2 });
});
beforeEach(async () => {
  group = `tenant:composer:user:${++users}`;
  await seedFixture(server.db, group);
});
// Each test's hooks unmount at its end: a follower's pending render (a timer) must not fire
// once the DOM environment is gone ("window is not defined", seen once in CI).
afterEach(cleanup);
afterAll(async () => {
  vi.unstubAllGlobals();
  await server.close();
});

class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();
  getItem = (key: string) => this.items.get(key) ?? null;
  setItem = (key: string, value: string) => void this.items.set(key, value);
  removeItem = (key: string) => void this.items.delete(key);
}

/** A page with the session, its newest conversation (or `contextId`) and its composer. */
async function renderComposer(options: {
  storage?: DraftStorage | null;
  maxLength?: number;
  contextId?: string;
  files?: readonly File[];
}) {
  const { ticket } = await staticTicket(server, group);
  const browser = new TestBrowser(server.url);
  const rendered = renderAgentHook(browser, () => {
    const session = useAgentSession(ticket);
    const list = useAgentContexts({ enabled: session.hasSession });
    const contextId = options.contextId ?? list.contexts[0]?.id ?? "";
    const chat = useAgentContext({ contextId });
    const composer = useComposer({
      contextId,
      chat,
      storage: options.storage,
      maxLength: options.maxLength,
      files: options.files,
    });
    return { session, list, chat, composer };
  });
  await waitFor(() => expect(rendered.result.current.session.hasSession).toBe(true));
  return rendered;
}

describe("useComposer", () => {
  it("keeps the draft of each conversation across a reload, and forgets it once sent", async () => {
    const storage = new MemoryStorage();
    const first = await renderComposer({ storage });
    const created = await act(() => first.result.current.list.createContext({ title: "A" }));
    await waitFor(() => expect(first.result.current.chat.connectionState).toBe("open"));
    act(() => first.result.current.composer.setText("Half a thought"));
    expect(first.result.current.composer.text).toBe("Half a thought");
    first.unmount();

    // Reloaded: the same conversation gets its draft back; a new chat has its own (none).
    const reloaded = await renderComposer({ storage, contextId: created!.id });
    await waitFor(() => expect(reloaded.result.current.composer.text).toBe("Half a thought"));
    const blank = await renderComposer({ storage, contextId: "" });
    expect(blank.result.current.composer.text).toBe("");
    blank.unmount();

    await waitFor(() => expect(reloaded.result.current.chat.connectionState).toBe("open"));
    act(() => reloaded.result.current.composer.setText("  How healthy are my webhooks?  "));
    const sent = await act(() => reloaded.result.current.composer.send());
    expect(sent).toMatchObject({ contextId: created!.id });
    expect(reloaded.result.current.composer.text).toBe("");
    expect(storage.items.has(DRAFTS_KEY)).toBe(false);
    await waitFor(() => expect(reloaded.result.current.chat.isExecuting).toBe(false));
    expect(reloaded.result.current.chat.messages[0]?.parts).toEqual([
      { type: "text", text: "How healthy are my webhooks?" },
    ]);
  });

  it("keeps drafts in localStorage by default, and none with storage: null", async () => {
    localStorage.clear();
    const kept = await renderComposer({});
    act(() => kept.result.current.composer.setText("Kept"));
    expect(localStorage.getItem(DRAFTS_KEY)).toContain("Kept");
    kept.unmount();
    localStorage.clear();
    const none = await renderComposer({ storage: null });
    act(() => none.result.current.composer.setText("Not kept"));
    expect(localStorage.getItem(DRAFTS_KEY)).toBeNull();
  });

  it("says why sending is blocked: empty, too long, a reply running, the agent waiting", async () => {
    const { result } = await renderComposer({ storage: null, maxLength: 20 });
    expect(result.current.composer).toMatchObject({ blockedReason: "empty", maxLength: 20 });
    act(() => result.current.composer.setText("   "));
    expect(result.current.composer.blockedReason).toBe("empty");
    act(() => result.current.composer.setText("x".repeat(21)));
    expect(result.current.composer).toMatchObject({ blockedReason: "too_long", length: 21 });
    expect(await act(() => result.current.composer.send())).toBeNull();
    expect(result.current.composer.text).toBe("x".repeat(21));

    act(() => result.current.composer.setText("stream 300 words"));
    expect(result.current.composer.blockedReason).toBeNull();
    await act(() => result.current.composer.send());
    act(() => result.current.composer.setText("And then?"));
    expect(result.current.composer.blockedReason).toBe("running");
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    expect(result.current.composer.blockedReason).toBeNull();

    act(() => result.current.composer.setText("Ask me a question"));
    await act(() => result.current.composer.send());
    await waitFor(() => expect(result.current.chat.pendingInput).not.toBeNull());
    act(() => result.current.composer.setText("Something else"));
    expect(result.current.composer.blockedReason).toBe("waiting_for_input");
    await act(() => result.current.chat.submitInput("Tomorrow"));
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));

    // Within the test's limit of 20 characters.
    act(() => result.current.composer.setText("Retry deliveries"));
    await act(() => result.current.composer.send());
    // As soon as the approval is asked for, whatever the status says yet.
    await waitFor(() => expect(result.current.chat.pendingApproval).not.toBeNull());
    expect(result.current.composer.blockedReason).toBe("waiting_for_approval");
  });

  it("sends files without text, saying `sending` while they upload", async () => {
    const notes = new NodeFile(["a\nb\n"], "notes.txt", { type: "text/plain" }) as unknown as File;
    const { result } = await renderComposer({ storage: null, files: [notes] });
    expect(result.current.composer.blockedReason).toBeNull();
    let sending!: Promise<unknown>;
    act(() => {
      sending = result.current.composer.send();
    });
    expect(result.current.composer).toMatchObject({ sending: true, blockedReason: "uploading" });
    expect(await act(() => sending)).toMatchObject({ contextId: expect.stringMatching(/^ctx_/) });
    expect(result.current.composer.sending).toBe(false);
    await waitFor(() =>
      expect(result.current.chat.messages[0]?.parts[0]).toMatchObject({
        type: "file",
        name: "notes.txt",
      }),
    );
  });

  it("gives a refused message back to the composer", async () => {
    // A limit above the server's: the server refuses what the composer let through.
    const { result } = await renderComposer({ storage: null, maxLength: MAX_MESSAGE_LENGTH * 2 });
    const long = "y".repeat(MAX_MESSAGE_LENGTH + 1);
    act(() => result.current.composer.setText(long));
    expect(await act(() => result.current.composer.send())).toBeNull();
    expect(result.current.chat.error?.message).toBeTruthy();
    expect(result.current.composer.text).toBe(long);
  });

  it("has the server's message length limit", async () => {
    const agents = await import("@agent-access/agents");
    expect(MAX_MESSAGE_LENGTH).toBe(agents.MAX_MESSAGE_LENGTH);
  });
});
