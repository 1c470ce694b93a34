import { describe, expect, it } from "vitest";
import { z } from "zod";
import { askUser, defineAgent, defineTool } from "./agent.ts";
import { createAgentRegistry } from "./registry.ts";

const echo = defineTool({
  description: "Echo the text back.",
  inputSchema: z.object({ text: z.string() }),
  execute: (input) => ({ echoed: input.text }),
});

describe("agents", () => {
  it("are checked for a usable id and tool names", () => {
    const agent = { id: "echo", name: "Echo", description: "", instructions: "", tools: { echo } };
    expect(defineAgent(agent)).toBe(agent);
    expect(() => defineAgent({ ...agent, id: "Echo Agent" })).toThrow(/lowercase letters/);
    expect(() => defineAgent({ ...agent, tools: { "echo it": echo } })).toThrow(
      /must start with a letter/,
    );
    expect(echo.needsApproval).toBe(false);
    expect(askUser.kind).toBe("ask-user");
  });

  it("offer at most six starter prompts of 1 to 200 characters", () => {
    const agent = { id: "echo", name: "Echo", description: "", instructions: "", tools: { echo } };
    const six = ["a", "b", "c", "d", "e", "x".repeat(200)];
    expect(defineAgent({ ...agent, starterPrompts: six }).starterPrompts).toEqual(six);
    expect(() => defineAgent({ ...agent, starterPrompts: [...six, "g"] })).toThrow(
      /7 starter prompts; at most 6/,
    );
    expect(() => defineAgent({ ...agent, starterPrompts: ["x".repeat(201)] })).toThrow(
      /1 to 200 characters/,
    );
    expect(() => defineAgent({ ...agent, starterPrompts: ["  "] })).toThrow(/1 to 200 characters/);
  });

  it("are found by id in a registry that refuses duplicate ids", () => {
    const one = defineAgent({
      id: "one",
      name: "One",
      description: "first",
      instructions: "",
      tools: {},
    });
    const two = defineAgent({ ...one, id: "two", name: "Two" });
    const registry = createAgentRegistry([two, one]);
    expect(registry.get("one")).toBe(one);
    expect(registry.get("missing")).toBeUndefined();
    expect(registry.list().map((agent) => agent.id)).toEqual(["two", "one"]);
    expect(() => createAgentRegistry([one, one])).toThrow(/Two agents have the id "one"/);
  });
});
