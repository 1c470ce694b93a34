// @vitest-environment dom
// The UI settings through the hooks against the real server: the ticket's `ui` and `return_url`
// on useAgentSession, and useAgentUi merging them over the provider's `ui` prop, field by field.
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { waitFor } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import { renderAgentHook } from "../test/render.tsx";
import { useAgentSession } from "./use-agent-session.ts";
import { useAgentUi } from "./use-agent-ui.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const group = "workspace:1:user:1";

function useSessionAndUi(ticket: string) {
  return { session: useAgentSession(ticket), ui: useAgentUi() };
}

describe("useAgentSession", () => {
  it("exposes the ticket's ui and return_url read-only, and {} / null without them", async () => {
    const minted = await staticTicket(server, group, {
      ui: { accent_color: "#0F766E", color_scheme: "dark", locale: "de" },
      return_url: "http://localhost/app/w/1",
    });
    const withUi = renderAgentHook(new TestBrowser(server.url), () =>
      useAgentSession(minted.ticket),
    );
    expect(withUi.result.current.ui).toBeNull();
    expect(withUi.result.current.returnUrl).toBeNull();
    await waitFor(() => expect(withUi.result.current.hasSession).toBe(true));
    expect(withUi.result.current.ui).toEqual({
      accentColor: "#0f766e",
      colorScheme: "dark",
      locale: "de",
    });
    expect(withUi.result.current.returnUrl).toBe("http://localhost/app/w/1");
    withUi.unmount();

    const plain = await staticTicket(server, group);
    const without = renderAgentHook(new TestBrowser(server.url), () =>
      useAgentSession(plain.ticket),
    );
    await waitFor(() => expect(without.result.current.hasSession).toBe(true));
    expect(without.result.current.ui).toEqual({});
    expect(without.result.current.returnUrl).toBeNull();
    without.unmount();
  });
});

describe("useAgentUi", () => {
  it("gives the defaults before any session, then the provider's settings", async () => {
    const bare = renderAgentHook(new TestBrowser(server.url), () => useAgentUi());
    expect(bare.result.current).toMatchObject({
      accentColor: null,
      radius: null,
      density: "comfortable",
      colorScheme: "system",
      resolvedColorScheme: "light",
      style: {},
    });
    bare.unmount();

    const provided = renderAgentHook(new TestBrowser(server.url), () => useAgentUi(), {
      ui: { density: "compact", radius: 4, colorScheme: "dark", locale: "fr-FR" },
    });
    expect(provided.result.current).toMatchObject({
      density: "compact",
      radius: 4,
      colorScheme: "dark",
      resolvedColorScheme: "dark",
      locale: "fr-FR",
      style: { "--aa-radius": "4px" },
    });
    provided.unmount();
  });

  it("lets the ticket win field by field over the provider", async () => {
    const minted = await staticTicket(server, group, {
      ui: { accent_color: "#ffeb3b", locale: "de-CH", color_scheme: "light" },
    });
    const view = renderAgentHook(
      new TestBrowser(server.url),
      () => useSessionAndUi(minted.ticket),
      {
        ui: { locale: "fr", colorScheme: "dark", radius: 2 },
      },
    );
    expect(view.result.current.ui.locale).toBe("fr");
    await waitFor(() => expect(view.result.current.session.hasSession).toBe(true));
    const ui = view.result.current.ui;
    expect(ui).toMatchObject({
      locale: "de-CH",
      colorScheme: "light",
      resolvedColorScheme: "light",
      // The provider's, since the ticket left it out.
      radius: 2,
      accentColor: "#ffeb3b",
    });
    // A yellow accent is darkened until white text on it is readable.
    expect(ui.style["--aa-accent"]).toMatch(/^#[0-9a-f]{6}$/);
    expect(ui.style["--aa-accent"]).not.toBe("#ffeb3b");
    expect(ui.style["--aa-accent-bright"]).toBe("#ffeb3b");
    view.unmount();
  });

  it("formats dates and numbers for the locale through Intl", async () => {
    const minted = await staticTicket(server, group, { ui: { locale: "de-DE" } });
    const view = renderAgentHook(new TestBrowser(server.url), () => useSessionAndUi(minted.ticket));
    await waitFor(() => expect(view.result.current.ui.locale).toBe("de-DE"));
    const { formatNumber, formatDate, formatRelativeTime } = view.result.current.ui;
    expect(formatNumber(1234.5)).toBe("1.234,5");
    expect(formatDate(Date.UTC(2026, 11, 24, 12), { dateStyle: "long", timeZone: "UTC" })).toBe(
      "24. Dezember 2026",
    );
    expect(formatRelativeTime(-1, "day")).toBe("gestern");
    view.unmount();
  });
});
