import { describe, expect, it } from "vitest";
import { agentPageUrl } from "./agent-page-url.ts";

describe("agentPageUrl", () => {
  it("points at the vanity page on this origin, or the server's", () => {
    expect(agentPageUrl()).toBe("/vanity/agents");
    expect(agentPageUrl({ baseUrl: "https://agents.example.com/" })).toBe(
      "https://agents.example.com/vanity/agents",
    );
  });

  it("names the conversation to open, escaped", () => {
    expect(agentPageUrl({ contextId: "ctx_1&x=2" })).toBe("/vanity/agents?context=ctx_1%26x%3D2");
  });
});
