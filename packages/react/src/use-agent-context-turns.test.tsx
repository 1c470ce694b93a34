// @vitest-environment dom
// useAgentContext's fields for a finished turn, against the real server and its builtin model:
// how the newest reply ended (live and after a reload), retry, edit and resend, feedback, and
// the agent with its starter prompts for the empty conversation.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook, textOf } from "../test/render.tsx";
import { useAgentContext } from "./use-agent-context.ts";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { useAgentSession } from "./use-agent-session.ts";

let server: TestServer;
let group: string;
let users = 0;
beforeAll(async () => {
  server = await startTestServer({ tokenDelayMs: 3 });
});
beforeEach(() => {
  group = `workspace:7:user:turns-${++users}`;
});
afterAll(() => server.close());

async function serverMessages(contextId: string) {
  const scope = { contextGroup: group, agentIds: [TEST_AGENT] };
  return (await server.runtime.listMessages(scope, contextId, { limit: 100 })).items;
}

/** A browser with a session in `group`, showing its newest conversation (or none yet). */
async function renderChat(browser = new TestBrowser(server.url), ticket?: string) {
  const given = ticket ?? (await staticTicket(server, group)).ticket;
  const rendered = renderAgentHook(browser, () => {
    const session = useAgentSession(given);
    const list = useAgentContexts({ enabled: session.hasSession });
    const chat = useAgentContext({ contextId: list.contexts[0]?.id ?? "" });
    return { session, list, chat };
  });
  await waitFor(() => expect(rendered.result.current.session.hasSession).toBe(true));
  return { ...rendered, browser };
}

async function firstTurn(text: string) {
  const rendered = await renderChat();
  const { result } = rendered;
  const sent = await act(() => result.current.chat.sendMessage(text));
  await waitFor(() => expect(result.current.list.contexts[0]?.id).toBe(sent!.contextId));
  await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
  return { ...rendered, contextId: sent!.contextId };
}

describe("how the newest reply ended", () => {
  it("shows a failure with its reason, after a reload too, and retry replaces it", async () => {
    const { result, browser, contextId, unmount } = await firstTurn("Please fail once");
    await waitFor(() => expect(result.current.chat.lastOutcome?.status).toBe("failed"));
    const reason = result.current.chat.lastOutcome!.error!;
    expect(reason).toMatch(/^The reply failed \(reference err_[0-9a-f]{12}\)/);
    expect(result.current.chat.messages[1]!.outcome).toEqual({ status: "failed", error: reason });
    expect(result.current.chat.canRetry).toBe(true);
    // The failure is the reply's, not an error of the page.
    expect(result.current.chat.error).toBeNull();
    expect(result.current.chat.messages).toEqual(await serverMessages(contextId));
    unmount();

    // A reload (the same browser, its session cookie) shows the same failure.
    const reloaded = await renderChat(browser, "");
    await waitFor(() => expect(reloaded.result.current.chat.lastOutcome?.error).toBe(reason));
    expect(reloaded.result.current.chat.canRetry).toBe(true);

    const retried = await act(() => reloaded.result.current.chat.retry());
    expect(retried).toMatchObject({ runId: expect.any(String) });
    await waitFor(() =>
      expect(reloaded.result.current.chat.lastOutcome).toEqual({
        status: "completed",
        error: null,
      }),
    );
    expect(reloaded.result.current.chat.canRetry).toBe(false);
    expect(textOf(reloaded.result.current.chat.messages[1])).toMatch(/second try/);
    expect(reloaded.result.current.chat.messages).toEqual(await serverMessages(contextId));
    // Nothing to retry after a reply that completed.
    expect(await act(() => reloaded.result.current.chat.retry())).toBeNull();
  });

  it("says a stopped reply was stopped, and offers to retry it", async () => {
    const { result } = await renderChat();
    await act(() => result.current.chat.sendMessage("stream 2000 words"));
    await waitFor(() => expect(textOf(result.current.chat.messages[1]).length).toBeGreaterThan(0));
    expect(result.current.chat.lastOutcome).toBeNull();
    expect(result.current.chat.canRetry).toBe(false);
    await act(() => result.current.chat.stop());
    await waitFor(() =>
      expect(result.current.chat.lastOutcome).toEqual({ status: "cancelled", error: null }),
    );
    expect(result.current.chat.canRetry).toBe(true);
  });
});

describe("editMessage", () => {
  it("replaces the last turn with the new text and its reply", async () => {
    const { result, contextId } = await firstTurn("hello");
    const [userMessage, reply] = result.current.chat.messages;
    expect(result.current.chat.editableMessageId).toBe(userMessage!.id);
    const edited = await act(() =>
      result.current.chat.editMessage(userMessage!.id, "How healthy are my webhooks?"),
    );
    expect(edited).toMatchObject({ messageId: expect.any(String), runId: expect.any(String) });
    await waitFor(() => expect(result.current.chat.messages[0]?.id).toBe(edited!.messageId));
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    const ids = result.current.chat.messages.map((message) => message.id);
    expect(ids).not.toContain(userMessage!.id);
    expect(ids).not.toContain(reply!.id);
    expect(textOf(result.current.chat.messages[0])).toBe("How healthy are my webhooks?");
    expect(result.current.chat.messages).toEqual(await serverMessages(contextId));
    expect(result.current.chat.editableMessageId).toBe(edited!.messageId);
  });

  it("puts a refusal in error and changes nothing", async () => {
    const { result, contextId } = await firstTurn("hello");
    const before = await serverMessages(contextId);
    expect(await act(() => result.current.chat.editMessage(before[1]!.id, "x"))).toBeNull();
    expect(result.current.chat.error?.message).toMatch(/Only the last message/);
    expect(await serverMessages(contextId)).toEqual(before);
  });
});

describe("setFeedback", () => {
  it("rates a reply with a comment, changes it, takes it back, and shows each on the message", async () => {
    const { result, contextId } = await firstTurn("hello");
    const reply = result.current.chat.messages[1]!;
    expect(reply.feedback).toBeNull();
    expect(
      await act(() => result.current.chat.setFeedback(reply.id, "bad", "It only repeated me.")),
    ).toBe(true);
    await waitFor(() =>
      expect(result.current.chat.messages[1]!.feedback).toEqual({
        rating: "bad",
        comment: "It only repeated me.",
      }),
    );
    await act(() => result.current.chat.setFeedback(reply.id, "good"));
    await waitFor(() =>
      expect(result.current.chat.messages[1]!.feedback).toEqual({ rating: "good", comment: null }),
    );
    await act(() => result.current.chat.setFeedback(reply.id, null));
    await waitFor(() => expect(result.current.chat.messages[1]!.feedback).toBeNull());
    expect(result.current.chat.messages).toEqual(await serverMessages(contextId));
  });

  it("puts a refusal in error", async () => {
    const { result } = await firstTurn("hello");
    const userMessage = result.current.chat.messages[0]!;
    expect(await act(() => result.current.chat.setFeedback(userMessage.id, "good"))).toBe(false);
    expect(result.current.chat.error?.message).toMatch(/No reply with this id/);
  });
});

describe("the agent and its starter prompts", () => {
  it("are the agent's a new conversation gets, then the conversation's own", async () => {
    const { result } = await renderChat();
    await waitFor(() => expect(result.current.chat.agent).not.toBeNull());
    expect(result.current.chat.agent).toMatchObject({
      id: TEST_AGENT,
      name: "Test assistant",
      description: expect.any(String),
    });
    expect(result.current.chat.starterPrompts).toEqual([
      "How healthy are my webhooks?",
      "Please retry the failed deliveries",
      "Ask me a question",
    ]);
    const sent = await act(() =>
      result.current.chat.sendMessage(result.current.chat.starterPrompts[0]!),
    );
    await waitFor(() => expect(result.current.list.contexts[0]?.id).toBe(sent!.contextId));
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    expect(result.current.chat.agent?.id).toBe(TEST_AGENT);
    // The title the model made reached the list.
    await waitFor(() => expect(result.current.list.contexts[0]?.title).toBe("Healthy webhooks"));
  });
});
