// @vitest-environment dom
// The reference page's AgentChat, rendered as an app would render it: session, new chat, a
// question, and the streamed answer in the page.

import { seedFixture } from "@agent-access/agents/testing";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { AgentChat } from "../test/agent-chat.tsx";
import { TestBrowser } from "../test/browser.ts";
import "../test/render.tsx";
import { AgentAccessProvider, type ContextMessage } from "./index.ts";

let server: TestServer;
let group: string;
beforeAll(async () => {
  server = await startTestServer({ tokenDelayMs: 1 });
  group = "tenant:acme:user:7";
  await seedFixture(server.db, group);
});
// Each test's tree unmounts at its end (see use-composer.test.tsx).
afterEach(cleanup);
afterAll(() => server.close());

it("works unchanged apart from the import", async () => {
  const { ticket } = await staticTicket(server, group);
  const browser = new TestBrowser(server.url);
  render(
    <StrictMode>
      <AgentAccessProvider
        baseUrl={server.url}
        fetch={browser.fetch}
        EventSource={browser.EventSource}
      >
        <AgentChat ticket={ticket} />
      </AgentAccessProvider>
    </StrictMode>,
  );
  expect(screen.getByText("Loading agent session...")).toBeTruthy();
  await screen.findByText(`Context group: ${group}`);

  const ask = screen.getByRole("button", { name: "Ask agent" }) as HTMLButtonElement;
  expect(ask.disabled).toBe(true);
  fireEvent.click(screen.getByRole("button", { name: "New chat" }));
  await waitFor(() => expect(ask.disabled).toBe(false));

  fireEvent.click(ask);
  await waitFor(() => expect(ask.disabled).toBe(true));
  await waitFor(() => expect(ask.disabled).toBe(false));
  const shown = JSON.parse(document.querySelector("pre")!.textContent!) as ContextMessage[];
  expect(shown.map((message) => message.role)).toEqual(["user", "assistant"]);
  expect(shown[1]!.parts).toContainEqual(
    expect.objectContaining({ type: "text", text: expect.stringMatching(/succeeded/) }),
  );
  expect(browser.count("/trpc/session.exchange")).toBe(1);
});
