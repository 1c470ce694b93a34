// Agents are chosen by id; a display name is only for display and may be shared.
import { describe, expect, it } from "vitest";
import { chooseAgent, findAgent } from "./choose-agent.ts";

const agents = [
  { id: "support", name: "Assistant", description: "", starterPrompts: [] },
  { id: "billing", name: "Assistant", description: "", starterPrompts: [] },
  { id: "Assistant", name: "Odd one", description: "", starterPrompts: [] },
];

describe("chooseAgent", () => {
  it("takes the agent whose id is given, whatever the names", () => {
    expect(chooseAgent(agents, { agentId: "billing", activeAgentId: "support" })).toBe("billing");
    // An id is never matched against names.
    expect(chooseAgent(agents, { agentId: "Odd one", activeAgentId: null })).toBeUndefined();
  });

  it("takes a name only as the reference page's agentName, an id first", () => {
    expect(chooseAgent(agents, { agentName: "Odd one", activeAgentId: null })).toBe("Assistant");
    expect(chooseAgent(agents, { agentName: "Assistant", activeAgentId: null })).toBe("Assistant");
    expect(chooseAgent(agents, { agentName: "billing", activeAgentId: null })).toBe("billing");
  });

  it("falls back to the active agent, then to the server's choice", () => {
    expect(chooseAgent(agents, { activeAgentId: "billing" })).toBe("billing");
    expect(chooseAgent(agents, { agentId: "", activeAgentId: "billing" })).toBe("billing");
    expect(chooseAgent(agents, { activeAgentId: null })).toBeUndefined();
    expect(chooseAgent(agents, { activeAgentId: "gone" })).toBeUndefined();
  });
});

describe("findAgent", () => {
  it("finds by id before any name", () => {
    expect(findAgent(agents, "Assistant")?.id).toBe("Assistant");
    expect(findAgent(agents, "Odd one")?.id).toBe("Assistant");
    expect(findAgent(agents, "nobody")).toBeUndefined();
  });
});
