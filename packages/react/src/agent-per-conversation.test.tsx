// @vitest-environment dom
// The agent of each conversation (useAgentContext's `agent`): an existing conversation keeps its
// own whatever the picker says, a new one shows the agent its first message would get; and
// useAgentContexts' `groups`, by the day of each conversation's last activity.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook } from "../test/render.tsx";
import { useAgentContext } from "./use-agent-context.ts";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { useAgentSession } from "./use-agent-session.ts";

let server: TestServer;
let users = 0;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function renderPage(
  contextIdOf: (contexts: { id: string }[]) => string,
  group = `team:agents:user:${++users}`,
) {
  const { ticket } = await staticTicket(server, group, {
    agent_ids: [TEST_AGENT, "billing-assistant"],
  });
  const rendered = renderAgentHook(new TestBrowser(server.url), () => {
    const session = useAgentSession(ticket);
    const list = useAgentContexts({ enabled: session.hasSession });
    const chat = useAgentContext({ contextId: contextIdOf(list.contexts) });
    const blank = useAgentContext({ contextId: "" });
    return { session, list, chat, blank };
  });
  await waitFor(() => expect(rendered.result.current.session.agents).toHaveLength(2));
  return rendered;
}

describe("the agent of a conversation", () => {
  it("is the conversation's own, not the picker's; a new one gets the picker's", async () => {
    const { result } = await renderPage((contexts) => contexts[0]?.id ?? "");
    expect(result.current.blank.agent?.id).toBe(TEST_AGENT);
    await act(() => result.current.list.createContext({ agentId: "billing-assistant" }));
    await waitFor(() => expect(result.current.chat.agent?.name).toBe("Billing assistant"));
    expect(result.current.chat.agentId).toBe("billing-assistant");

    act(() => result.current.session.setActiveAgent(TEST_AGENT));
    expect(result.current.chat.agent?.id).toBe("billing-assistant");
    expect(result.current.blank.agent?.id).toBe(TEST_AGENT);
    act(() => result.current.session.setActiveAgent("billing-assistant"));
    expect(result.current.blank.agent?.id).toBe("billing-assistant");
  });

  it("is read from the server for a conversation no list has loaded", async () => {
    const group = `team:agents:user:${++users}`;
    const first = await renderPage(() => "", group);
    const created = await act(() =>
      first.result.current.list.createContext({ agentId: "billing-assistant" }),
    );
    first.unmount();
    // A reload straight into the conversation.
    const { result } = await renderPage(() => created!.id, group);
    await waitFor(() => expect(result.current.chat.agent?.id).toBe("billing-assistant"));
  });
});

describe("useAgentContexts' groups", () => {
  it("groups conversations by the local day of their last activity", async () => {
    const { result } = await renderPage(() => "");
    const day = 24 * 3_600_000;
    server.clock.now -= 30 * day;
    const old = await act(() => result.current.list.createContext({ title: "Last month" }));
    server.clock.now += 30 * day;
    const fresh = await act(() => result.current.list.createContext({ title: "Just now" }));
    await waitFor(() =>
      expect(
        result.current.list.groups.map((group) => [
          group.key,
          group.contexts.map((context) => context.id),
        ]),
      ).toEqual([
        ["today", [fresh!.id]],
        ["older", [old!.id]],
      ]),
    );
  });
});
