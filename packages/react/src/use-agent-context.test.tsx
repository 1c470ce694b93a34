// @vitest-environment dom
// useAgentContext against the real server and its builtin model: a reply streaming in, a
// dropped stream resumed without duplicates, approvals and questions, stop and regenerate,
// older pages.

import { seedFixture, TEST_AGENT } from "@agent-access/agents/testing";
import { value } from "@agent-access/db";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, cleanup, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook, textOf } from "../test/render.tsx";
import { type ConnectionState, useAgentContext } from "./use-agent-context.ts";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { useAgentSession } from "./use-agent-session.ts";

let server: TestServer;
/** The group of the running test, with the test agent's data: a tenant of its own. */
let group: string;
let users = 0;
beforeAll(async () => {
  // A few ms per word, so that a reply takes long enough to watch it grow and to cut it.
  server = await startTestServer({ tokenDelayMs: 3 });
});
beforeEach(async () => {
  group = `tenant:acme:user:${++users}`;
  await seedFixture(server.db, group);
});
// Each test's tree unmounts at its end (see use-composer.test.tsx).
afterEach(cleanup);
afterAll(() => server.close());

/** What the server holds for a context: the list the hook must end up showing. */
async function serverMessages(contextId: string) {
  const scope = { contextGroup: group, agentIds: [TEST_AGENT] };
  return (await server.runtime.listMessages(scope, contextId, { limit: 100 })).items;
}

/**
 * A session, a new conversation, and useAgentContext on it. `renders` keeps what each render
 * showed: the newest message's text, and the connection state.
 */
async function renderConversation(pageSize?: number) {
  const { ticket } = await staticTicket(server, group);
  const browser = new TestBrowser(server.url);
  const renders: { text: string; connection: ConnectionState; executing: boolean }[] = [];
  const rendered = renderAgentHook(browser, () => {
    const session = useAgentSession(ticket);
    const list = useAgentContexts({ enabled: session.hasSession });
    const chat = useAgentContext({
      contextId: list.contexts[0]?.id ?? "",
      agentName: session.activeAgent?.name,
      pageSize,
    });
    const newest = chat.messages.at(-1);
    renders.push({
      text: newest?.role === "assistant" ? textOf(newest) : "",
      connection: chat.connectionState,
      executing: chat.isExecuting,
    });
    browser.timeline.push(
      `render ${chat.messages.map((message) => `${message.role}${message.pending ? "*" : ""}`).join(",")}`,
    );
    return { session, list, chat };
  });
  const { result } = rendered;
  await waitFor(() => expect(result.current.session.hasSession).toBe(true));
  const created = await act(() => result.current.list.createContext({ title: "Chat" }));
  await waitFor(() => expect(result.current.chat.connectionState).toBe("open"));
  return { ...rendered, browser, renders, contextId: created!.id };
}

describe("useAgentContext", () => {
  it("shows the user's message at once and the reply growing token by token", async () => {
    const { result, browser, renders, contextId } = await renderConversation();
    expect(result.current.chat).toMatchObject({
      messages: [],
      isExecuting: false,
      executionStatus: "idle",
      pendingApproval: null,
      pendingInput: null,
      hasMoreMessages: false,
      error: null,
    });

    browser.timeline.length = 0;
    const sent = await act(() => result.current.chat.sendMessage("stream 300 words"));
    expect(sent).toMatchObject({ contextId, messageId: expect.any(String) });
    // The message was on screen, marked pending, before the server answered the send.
    const answered = browser.timeline.findIndex((entry) =>
      entry.startsWith("< /trpc/context.send"),
    );
    expect(browser.timeline.indexOf("render user*")).toBeGreaterThanOrEqual(0);
    expect(browser.timeline.indexOf("render user*")).toBeLessThan(answered);
    expect(result.current.chat.isExecuting).toBe(true);

    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    const final = await serverMessages(contextId);
    expect(result.current.chat.messages).toEqual(final);
    const reply = textOf(final[1]);
    expect(reply.split(" ")).toHaveLength(300);

    // The reply was drawn several times on its way, each time longer, never out of order.
    const seen = [...new Set(renders.map((render) => render.text))].filter(Boolean);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const [index, text] of seen.entries()) {
      if (index > 0) expect(text.startsWith(seen[index - 1]!)).toBe(true);
    }
    expect(seen.at(-1)).toBe(reply);
    expect(result.current.chat.executionStatus).toBe("idle");
    expect(result.current.chat.error).toBeNull();
  });

  it("resumes a dropped stream after the last event applied, with nothing twice", async () => {
    const { result, browser, renders, contextId } = await renderConversation();
    await act(() => result.current.chat.sendMessage("stream 300 words"));
    await waitFor(() =>
      expect(textOf(result.current.chat.messages[1]).split(" ").length).toBeGreaterThan(20),
    );

    expect(browser.dropStreams()).toBe(1);
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));

    // The EventSource reconnected with the id of the last event it had, mid-log.
    const resumed = browser.timeline
      .map((entry) => /^> GET \/trpc\/context\.events last-event-id=(\d+)$/.exec(entry)?.[1])
      .filter((id) => id !== undefined)
      .map(Number);
    expect(resumed).toHaveLength(1);
    const lastSeq = (await value<number>(server.db, "SELECT last_seq FROM context WHERE id = ?", [
      contextId,
    ]))!;
    expect(resumed[0]).toBeGreaterThan(2);
    expect(resumed[0]).toBeLessThan(lastSeq);

    expect(result.current.chat.messages).toEqual(await serverMessages(contextId));
    expect(textOf(result.current.chat.messages[1]).split(" ")).toHaveLength(300);
    const states = renders.map((render) => render.connection);
    expect(states).toContain("reconnecting");
    expect(states.at(-1)).toBe("open");
  });

  it("asks for approval, and finishes the run once allowed", async () => {
    const { result, contextId } = await renderConversation();
    await act(() => result.current.chat.sendMessage("Please retry the failed deliveries"));
    await waitFor(() => expect(result.current.chat.pendingApproval).not.toBeNull());
    expect(result.current.chat.pendingApproval).toMatchObject({
      toolName: "retryFailedDeliveries",
      state: "awaiting-approval",
      messageId: result.current.chat.messages[1]!.id,
    });
    expect(result.current.chat).toMatchObject({
      isExecuting: true,
      executionStatus: "waiting_for_approval",
    });

    let answered!: Promise<boolean>;
    act(() => {
      answered = result.current.chat.respondToApproval("allow_once");
    });
    // Hidden at once, so that a second click cannot answer twice.
    expect(result.current.chat.pendingApproval).toBeNull();
    expect(await act(() => answered)).toBe(true);

    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    const final = await serverMessages(contextId);
    expect(result.current.chat.messages).toEqual(final);
    expect(final[1]!.parts[0]).toMatchObject({
      type: "tool-call",
      toolName: "retryFailedDeliveries",
      state: "completed",
    });
    const retried = (await value<number>(
      server.db,
      "SELECT count(*) FROM fixture_delivery WHERE context_group = ? AND retry_requested_at IS NOT NULL",
      [group],
    ))!;
    expect(retried).toBeGreaterThan(0);
  });

  it("puts a question to the user, and goes on with the answer", async () => {
    const { result, contextId } = await renderConversation();
    await act(() => result.current.chat.sendMessage("Ask me a question"));
    await waitFor(() => expect(result.current.chat.pendingInput).not.toBeNull());
    expect(result.current.chat.pendingInput).toMatchObject({
      state: "awaiting-input",
      question: expect.any(String),
    });
    expect(result.current.chat.executionStatus).toBe("waiting_for_input");

    expect(await act(() => result.current.chat.submitInput("Next Tuesday"))).toBe(true);
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    const final = await serverMessages(contextId);
    expect(result.current.chat.messages).toEqual(final);
    expect(final[1]!.parts[0]).toMatchObject({
      type: "tool-call",
      state: "completed",
      output: { answer: "Next Tuesday" },
    });
    expect(result.current.chat.pendingInput).toBeNull();
  });

  it("stops a run, keeping the partial reply, and regenerates the reply", async () => {
    const { result, contextId } = await renderConversation();
    await act(() => result.current.chat.sendMessage("stream 400 words"));
    await waitFor(() => expect(textOf(result.current.chat.messages[1]).length).toBeGreaterThan(0));
    expect(await act(() => result.current.chat.stop())).toBe(true);
    await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    const stopped = result.current.chat.messages[1]!;
    expect(textOf(stopped).split(" ").length).toBeLessThan(400);
    expect(result.current.chat.messages).toEqual(await serverMessages(contextId));

    await act(() => result.current.chat.regenerate());
    await waitFor(() => {
      expect(result.current.chat.isExecuting).toBe(false);
      expect(result.current.chat.messages[1]?.id).not.toBe(stopped.id);
    });
    const final = await serverMessages(contextId);
    expect(final).toHaveLength(2);
    expect(result.current.chat.messages).toEqual(final);
    expect(textOf(final[1]).split(" ")).toHaveLength(400);
  });

  it("loads older messages a page at a time", async () => {
    const { result, contextId } = await renderConversation(2);
    for (const text of ["How healthy are my webhooks?", "And now?"]) {
      await act(() => result.current.chat.sendMessage(text));
      await waitFor(() => expect(result.current.chat.isExecuting).toBe(false));
    }
    const all = await serverMessages(contextId);
    expect(all).toHaveLength(4);

    // A reload shows the newest page only.
    const { ticket } = await staticTicket(server, group);
    const reloaded = renderAgentHook(new TestBrowser(server.url), () => {
      useAgentSession(ticket);
      return useAgentContext({ contextId, pageSize: 2 });
    });
    await waitFor(() => expect(reloaded.result.current.connectionState).toBe("open"));
    expect(reloaded.result.current.messages).toEqual(all.slice(2));
    expect(reloaded.result.current.hasMoreMessages).toBe(true);
    await act(() => reloaded.result.current.loadMoreMessages());
    expect(reloaded.result.current.messages).toEqual(all);
    expect(reloaded.result.current.hasMoreMessages).toBe(false);
  });

  it("fetches nothing without a context, and creates one for the first message", async () => {
    const { ticket } = await staticTicket(server, group);
    const browser = new TestBrowser(server.url);
    const { result } = renderAgentHook(browser, () => {
      useAgentSession(ticket);
      return useAgentContext({ contextId: "" });
    });
    await waitFor(() => expect(browser.count("/trpc/session.exchange")).toBe(1));
    expect(result.current).toMatchObject({ connectionState: "idle", messages: [], loading: false });

    const sent = await act(() => result.current.sendMessage("How healthy are my webhooks?"));
    expect(sent?.contextId).toMatch(/^ctx_/);
    await waitFor(() => expect(result.current.isExecuting).toBe(false));
    expect(result.current.messages).toEqual(await serverMessages(sent!.contextId));
    expect(textOf(result.current.messages[1])).toMatch(/succeeded/);
  });
});

describe("choosing the agent of a new conversation", () => {
  /** A session with both test agents, and useAgentContext with no conversation yet. */
  async function renderNew(options: { agentId?: string; agentName?: string }) {
    const { ticket } = await staticTicket(server, group, {
      agent_ids: [TEST_AGENT, "billing-assistant"],
    });
    const browser = new TestBrowser(server.url);
    const { result } = renderAgentHook(browser, () => {
      const session = useAgentSession(ticket);
      return { session, chat: useAgentContext({ contextId: "", ...options }) };
    });
    await waitFor(() => expect(result.current.session.agents).toHaveLength(2));
    return result;
  }

  async function agentOfFirstMessage(options: { agentId?: string; agentName?: string }) {
    const result = await renderNew(options);
    const sent = await act(() => result.current.chat.sendMessage("Hello"));
    const scope = {
      contextGroup: group,
      agentIds: [TEST_AGENT, "billing-assistant"],
    };
    return (await server.runtime.getContext(scope, sent!.contextId)).agentId;
  }

  it("takes the agent by id", async () => {
    expect(await agentOfFirstMessage({ agentId: "billing-assistant" })).toBe("billing-assistant");
  });

  it("takes the reference page's agentName, and prefers agentId to it", async () => {
    expect(await agentOfFirstMessage({ agentName: "Billing assistant" })).toBe("billing-assistant");
    expect(await agentOfFirstMessage({ agentId: TEST_AGENT, agentName: "Billing assistant" })).toBe(
      TEST_AGENT,
    );
  });

  it("takes the active agent without a choice", async () => {
    const result = await renderNew({});
    act(() => result.current.session.setActiveAgent("billing-assistant"));
    const sent = await act(() => result.current.chat.sendMessage("Hello"));
    const scope = { contextGroup: group, agentIds: ["billing-assistant"] };
    expect((await server.runtime.getContext(scope, sent!.contextId)).agentId).toBe(
      "billing-assistant",
    );
  });
});
