// @vitest-environment dom
// useAgentSession against the real server: a ticket exchanged exactly once under StrictMode, and
// a session that expires re-issued through getTicket with the hooks working on.

import { seedFixture, TEST_AGENT } from "@agent-access/agents/testing";
import { sha256 } from "@agent-access/db";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook, textOf } from "../test/render.tsx";

import { useAgentContext } from "./use-agent-context.ts";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { clearTicketFromUrl, useAgentSession } from "./use-agent-session.ts";

let server: TestServer;
let group: string;
beforeAll(async () => {
  server = await startTestServer();
  group = "tenant:acme:user:7";
  seedFixture(server.db, group);
});
afterAll(() => server.close());

/** Agent sessions made from `ticket`, counted on the server. */
const sessionsOfTicket = (ticket: string) =>
  server.db
    .prepare(
      `SELECT count(*) FROM agent_session s JOIN agent_ticket t ON t.id = s.ticket_id
        WHERE t.token_hash = ?`,
    )
    .pluck()
    .get(sha256(ticket)) as number;

describe("useAgentSession with a ticket", () => {
  it("exchanges it exactly once under StrictMode, also when remounted", async () => {
    const minted = await staticTicket(server, group);
    const browser = new TestBrowser(server.url);

    const first = renderAgentHook(browser, () => useAgentSession(minted.ticket));
    expect(first.result.current).toMatchObject({ sessionLoading: true, hasSession: false });
    await waitFor(() => expect(first.result.current.hasSession).toBe(true));
    expect(first.result.current).toMatchObject({
      sessionLoading: false,
      sessionError: null,
      ticketExchanged: true,
      contextGroup: group,
      sessionType: "static",
      expiresAt: minted.expires_at,
      activeAgent: { id: TEST_AGENT, name: "Test assistant" },
    });
    first.unmount();

    // The component mounts again with the same ticket (StrictMode, a route change): the page
    // remembers the exchange instead of presenting a spent ticket.
    const second = renderAgentHook(browser, () => useAgentSession(minted.ticket));
    await waitFor(() => expect(second.result.current.hasSession).toBe(true));
    expect(second.result.current.sessionError).toBeNull();
    second.unmount();

    expect(browser.count("/trpc/session.exchange")).toBe(1);
    expect(sessionsOfTicket(minted.ticket)).toBe(1);
  });

  it("exposes the ticket's host context, and {} for a ticket without one", async () => {
    const context = { userName: "Ada", workspaceName: "Engines" };
    const minted = await staticTicket(server, group, { context });
    const browser = new TestBrowser(server.url);
    const withContext = renderAgentHook(browser, () => useAgentSession(minted.ticket));
    expect(withContext.result.current.hostContext).toBeNull();
    await waitFor(() => expect(withContext.result.current.hasSession).toBe(true));
    expect(withContext.result.current.hostContext).toEqual(context);
    withContext.unmount();

    const plain = await staticTicket(server, group);
    const without = renderAgentHook(new TestBrowser(server.url), () =>
      useAgentSession(plain.ticket),
    );
    await waitFor(() => expect(without.result.current.hasSession).toBe(true));
    expect(without.result.current.hostContext).toEqual({});
    without.unmount();
  });

  it("reports a refused ticket, and reads the browser's session without one", async () => {
    const browser = new TestBrowser(server.url);
    const refused = renderAgentHook(browser, () => useAgentSession("aat_not-a-ticket"));
    await waitFor(() => expect(refused.result.current.sessionError).not.toBeNull());
    expect(refused.result.current).toMatchObject({ hasSession: false, sessionLoading: false });
    expect(refused.result.current.sessionError!.message).toMatch(/ask your app for a new one/);
    refused.unmount();

    const minted = await staticTicket(server, group);
    const exchanged = renderAgentHook(browser, () => useAgentSession(minted.ticket));
    await waitFor(() => expect(exchanged.result.current.hasSession).toBe(true));
    exchanged.unmount();

    // After a reload the ticket is gone from the address; the cookie's session is read.
    const reloaded = renderAgentHook(browser, () => useAgentSession());
    await waitFor(() => expect(reloaded.result.current.hasSession).toBe(true));
    expect(reloaded.result.current.contextGroup).toBe(group);
    expect(reloaded.result.current.ticketExchanged).toBe(false);
  });

  it("picks the active agent by name or id", async () => {
    const minted = await staticTicket(server, group, {
      agent_ids: [TEST_AGENT, "billing-assistant"],
    });
    const browser = new TestBrowser(server.url);
    const { result } = renderAgentHook(browser, () => useAgentSession(minted.ticket));
    await waitFor(() => expect(result.current.agents).toHaveLength(2));
    expect(result.current.activeAgent?.id).toBe(TEST_AGENT);
    act(() => result.current.setActiveAgent("Billing assistant"));
    expect(result.current.activeAgent?.id).toBe("billing-assistant");
    act(() => result.current.setActiveAgent(TEST_AGENT));
    expect(result.current.activeAgent?.id).toBe(TEST_AGENT);
  });
});

describe("clearTicketFromUrl", () => {
  it("drops ?ticket= and keeps the rest of the address", () => {
    window.history.replaceState(null, "", "/vanity/agents?ticket=aat_x&tab=2#top");
    clearTicketFromUrl();
    expect(window.location.pathname + window.location.search + window.location.hash).toBe(
      "/vanity/agents?tab=2#top",
    );
  });
});

describe("useAgentSession with getTicket", () => {
  it("re-issues an expired session without user action, and the hooks carry on", async () => {
    const browser = new TestBrowser(server.url);
    const minted: string[] = [];
    const getTicket = async () => {
      const { ticket } = await staticTicket(server, group, { expires_in: 60 });
      minted.push(ticket);
      return ticket;
    };
    const { result } = renderAgentHook(browser, () => {
      const session = useAgentSession({ getTicket });
      const list = useAgentContexts({ enabled: session.hasSession });
      const chat = useAgentContext({
        contextId: list.contexts[0]?.id ?? "",
        agentName: session.activeAgent?.name,
      });
      return { session, list, chat };
    });

    // No session in this browser yet: one is issued at once.
    await waitFor(() => expect(result.current.session.hasSession).toBe(true));
    expect(minted).toHaveLength(1);
    expect(result.current.session.ticketExchanged).toBe(true);
    const firstExpiry = result.current.session.expiresAt!;

    await act(() => result.current.list.createContext({ title: "Before expiry" }));
    await waitFor(() => expect(result.current.chat.connectionState).toBe("open"));

    // The session (60 s) runs out on the server's clock; the next call is refused, and the
    // hook gets a new ticket, exchanges it and sends the call again.
    server.clock.advance(61_000);
    const streamsBefore = browser.count("/trpc/context.events");
    const sent = await act(() => result.current.chat.sendMessage("How healthy are my webhooks?"));
    expect(sent).not.toBeNull();
    expect(minted).toHaveLength(2);
    expect(result.current.session.expiresAt).toBeGreaterThan(firstExpiry);
    expect(result.current.chat.error).toBeNull();

    // The event stream reconnects under the new session and the reply arrives.
    await waitFor(() => {
      expect(result.current.chat.isExecuting).toBe(false);
      expect(result.current.chat.messages.map((message) => message.role)).toEqual([
        "user",
        "assistant",
      ]);
    });
    expect(textOf(result.current.chat.messages[1])).toMatch(/succeeded/);
    expect(result.current.chat.connectionState).toBe("open");
    expect(browser.count("/trpc/context.events")).toBeGreaterThan(streamsBefore);
    expect(result.current.session.sessionError).toBeNull();
  });
});
