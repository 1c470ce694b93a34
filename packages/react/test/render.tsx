// Renders hooks inside AgentAccessProvider (and StrictMode, as apps in development do) against a
// test server, through a TestBrowser.
import { configure, renderHook } from "@testing-library/react";
import { type ReactNode, StrictMode } from "react";
import { AgentAccessProvider, type AgentAccessProviderProps } from "../src/index.ts";
import type { TestBrowser } from "./browser.ts";

// Turns against the real server take longer than waitFor's default second on a busy machine.
configure({ asyncUtilTimeout: 15_000 });

export function renderAgentHook<T>(
  browser: TestBrowser,
  hook: () => T,
  providerProps: Partial<Omit<AgentAccessProviderProps, "children">> = {},
) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <AgentAccessProvider
        baseUrl={browser.baseUrl}
        fetch={browser.fetch}
        EventSource={browser.EventSource}
        {...providerProps}
      >
        {children}
      </AgentAccessProvider>
    </StrictMode>
  );
  return renderHook(hook, { wrapper });
}

/** The text of a message's text parts, joined. */
export function textOf(message: { parts: { type: string; text?: string }[] } | undefined): string {
  return (message?.parts ?? [])
    .map((part) => (part.type === "text" ? (part.text ?? "") : ""))
    .join("");
}
