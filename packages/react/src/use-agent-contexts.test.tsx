// @vitest-environment dom
// useAgentContexts against the real server: pages and search, and create, rename and delete
// that show before the server answers and are undone when it refuses.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { revokeAgentSession, value } from "@agent-access/db";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { act, cleanup, waitFor } from "@testing-library/react";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook } from "../test/render.tsx";
import { useAgentContexts } from "./use-agent-contexts.ts";
import { useAgentSession } from "./use-agent-session.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
// Each test's tree unmounts at its end (see use-composer.test.tsx).
afterEach(cleanup);
afterAll(() => server.close());

let groups = 0;

/** A browser with a fresh session in a group of its own, rendering useAgentContexts. */
async function renderContexts(options: { limit?: number; search?: string } = {}) {
  const group = `workspace:${++groups}:user:1`;
  const { ticket } = await staticTicket(server, group);
  const browser = new TestBrowser(server.url);
  let sessionReady = false;
  const rendered = renderAgentHook(browser, () => {
    const session = useAgentSession(ticket);
    const list = useAgentContexts({ enabled: session.hasSession, ...options });
    sessionReady = session.hasSession;
    browser.timeline.push(`render ${list.contexts.map((context) => context.title).join(" | ")}`);
    return list;
  });
  await waitFor(() => {
    expect(sessionReady).toBe(true);
    expect(rendered.result.current.loading).toBe(false);
  });
  return { ...rendered, browser, group };
}

const serverTitle = async (contextId: string) =>
  await value(server.db, "SELECT title FROM context WHERE id = ?", [contextId]);

/** Whether some render showed `titles` before the answer of `path` arrived. */
function shownBeforeAnswer(browser: TestBrowser, titles: string, path: string): boolean {
  const answer = browser.timeline.findIndex((entry) => entry.startsWith(`< /trpc/${path}`));
  const shown = browser.timeline.indexOf(`render ${titles}`);
  return answer > 0 && shown >= 0 && shown < answer;
}

describe("useAgentContexts", () => {
  it("lists, creates and pages", async () => {
    const { result, browser, group } = await renderContexts({ limit: 2 });
    expect(result.current.contexts).toEqual([]);
    expect(result.current.hasMore).toBe(false);

    const titles = ["Invoices", "Webhooks", "Deliveries"];
    for (const title of titles) {
      server.clock.advance(1_000); // the server's clock stands still otherwise: order by time
      const created = await act(() => result.current.createContext({ title }));
      expect(created).toMatchObject({ title, agentId: TEST_AGENT, status: "idle" });
      await waitFor(() => expect(result.current.contexts[0]).toEqual(created));
    }
    // Each entered the list with the server's answer: no list was fetched again.
    expect(browser.count("/trpc/context.list")).toBe(1);
    expect(result.current.contexts.map((context) => context.title)).toEqual(
      titles.slice().reverse(),
    );

    // A fresh page load of the same group, two at a time.
    const { ticket } = await staticTicket(server, group);
    const paged = renderAgentHook(new TestBrowser(server.url), () => {
      const session = useAgentSession(ticket);
      return useAgentContexts({ enabled: session.hasSession, limit: 2 });
    });
    await waitFor(() => expect(paged.result.current.hasMore).toBe(true));
    expect(paged.result.current.contexts.map((context) => context.title)).toEqual([
      "Deliveries",
      "Webhooks",
    ]);
    await act(() => paged.result.current.loadMore());
    await waitFor(() => expect(paged.result.current.hasMore).toBe(false));
    expect(paged.result.current.contexts.map((context) => context.title)).toEqual([
      "Deliveries",
      "Webhooks",
      "Invoices",
    ]);
    expect(paged.result.current.error).toBeNull();
  });

  it("searches titles", async () => {
    const { result, browser } = await renderContexts();
    await act(() => result.current.createContext({ title: "Webhook retries" }));
    await act(() => result.current.createContext({ title: "Invoices" }));

    const ticket = await staticTicket(server, `workspace:${groups}:user:1`);
    const searching = renderAgentHook(browser, () => {
      const session = useAgentSession(ticket.ticket);
      return useAgentContexts({ enabled: session.hasSession, search: "webhook" });
    });
    await waitFor(() =>
      expect(searching.result.current.contexts.map((context) => context.title)).toEqual([
        "Webhook retries",
      ]),
    );
  });

  it("renames at once, and restores the title when the server refuses", async () => {
    const { result, browser } = await renderContexts();
    const created = (await act(() => result.current.createContext({ title: "Old title" })))!;

    const renamed = await act(() =>
      result.current.updateContext(created.id, { title: "New title" }),
    );
    expect(renamed).toMatchObject({ id: created.id, title: "New title" });
    expect(shownBeforeAnswer(browser, "New title", "context.rename")).toBe(true);
    expect(await serverTitle(created.id)).toBe("New title");

    // Titles are at most 200 characters: the server refuses, the list shows the old one again.
    browser.timeline.length = 0;
    const tooLong = "x".repeat(300);
    const refused = await act(() => result.current.updateContext(created.id, { title: tooLong }));
    expect(refused).toBeNull();
    expect(shownBeforeAnswer(browser, tooLong, "context.rename")).toBe(true);
    expect(result.current.contexts[0]?.title).toBe("New title");
    expect(result.current.error?.message).toMatch(/title/i);
    expect(await serverTitle(created.id)).toBe("New title");
  });

  it("deletes at once, and brings the context back when the server refuses", async () => {
    const { result, browser } = await renderContexts();
    const kept = (await act(() => result.current.createContext({ title: "Kept" })))!;
    const gone = (await act(() => result.current.createContext({ title: "Gone" })))!;

    browser.timeline.length = 0;
    expect(await act(() => result.current.deleteContext(gone.id))).toBe(true);
    expect(shownBeforeAnswer(browser, "Kept", "context.delete")).toBe(true);
    expect(result.current.contexts.map((context) => context.id)).toEqual([kept.id]);
    expect(
      await value(server.db, "SELECT deleted_at FROM context WHERE id = ?", [gone.id]),
    ).not.toBeNull();

    // The session ends on the server (revoked elsewhere): the delete is refused and undone.
    await revokeAgentSession(server.db, browser.cookies.get("agent_session")!, server.clock.now);
    browser.timeline.length = 0;
    expect(await act(() => result.current.deleteContext(kept.id))).toBe(false);
    expect(shownBeforeAnswer(browser, "", "context.delete")).toBe(true);
    expect(result.current.contexts.map((context) => context.id)).toEqual([kept.id]);
    expect(result.current.error?.message).toMatch(/agent session expired or ended/);
    expect(
      await value(server.db, "SELECT deleted_at FROM context WHERE id = ?", [kept.id]),
    ).toBeNull();
  });

  it("refuses a create it cannot make, leaving the list as it was", async () => {
    const { result } = await renderContexts();
    await act(() => result.current.createContext({ title: "First" }));
    const refused = await act(() => result.current.createContext({ title: "y".repeat(300) }));
    expect(refused).toBeNull();
    expect(result.current.error?.message).toMatch(/title/i);
    expect(result.current.contexts.map((context) => context.title)).toEqual(["First"]);
  });
});

describe("createContext's agent", () => {
  it("is the agent whose id is given, else the active agent", async () => {
    const group = `workspace:${++groups}:user:1`;
    const { ticket } = await staticTicket(server, group, {
      agent_ids: [TEST_AGENT, "billing-assistant"],
    });
    const { result } = renderAgentHook(new TestBrowser(server.url), () => {
      const session = useAgentSession(ticket);
      return { session, list: useAgentContexts({ enabled: session.hasSession }) };
    });
    await waitFor(() => expect(result.current.session.hasSession).toBe(true));
    const billing = await act(() =>
      result.current.list.createContext({ agentId: "billing-assistant" }),
    );
    expect(billing?.agentId).toBe("billing-assistant");
    const first = await act(() => result.current.list.createContext({}));
    expect(first?.agentId).toBe(TEST_AGENT);
    act(() => result.current.session.setActiveAgent("billing-assistant"));
    const active = await act(() => result.current.list.createContext({}));
    expect(active?.agentId).toBe("billing-assistant");
  });
});
