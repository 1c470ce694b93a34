// The first model call of a send's run: its prompt is the conversation as the send's commit left
// it (on PostgreSQL read by that commit's last statement, not again), unless the run has
// committed something to its reply since, which the prompt must then show.
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, expect, it } from "vitest";
import { eventsUntil, setup, teardown } from "../../test/harness.ts";
import { type AgentScope, createAgentRegistry, defineAgent } from "../index.ts";
import { createScriptedModel } from "../testing.ts";

afterEach(teardown);

const AGENT = "first-prompt";

describeEachDialect("a run's first prompt", () => {
  async function turn(mcpServers: Parameters<typeof defineAgent>[0]["mcpServers"]) {
    const model = createScriptedModel([{ reply: "done" }]);
    const agents = createAgentRegistry([
      defineAgent({
        id: AGENT,
        name: "First prompt",
        description: "Answers once.",
        instructions: "Answer.",
        tools: {},
        mcpServers,
      }),
    ]);
    const { runtime } = await setup({ agents, model });
    const scope: AgentScope = { contextGroup: "team:1", agentIds: [AGENT] };
    const { context } = await runtime.createContext(scope, {
      agentId: AGENT,
      firstMessage: "first question",
    });
    await eventsUntil(runtime, scope, context.id, (event) => event.type === "run.finished");
    const { lastEventId } = await runtime.getContext(scope, context.id);
    await runtime.send(scope, context.id, { text: "second question" });
    await eventsUntil(
      runtime,
      scope,
      context.id,
      (event) => event.type === "run.finished",
      lastEventId,
    );
    return model.prompts.map((prompt) => prompt.filter((message) => message.role !== "system"));
  }

  it("holds the conversation so far and the message sent", async () => {
    const prompts = await turn([]);
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toEqual([
      { role: "user", content: [{ type: "text", text: "first question" }] },
      { role: "assistant", content: [{ type: "text", text: "done" }] },
      { role: "user", content: [{ type: "text", text: "second question" }] },
    ]);
  });

  it("shows what the run committed before it (an MCP server that could not start)", async () => {
    const prompts = await turn([
      { name: "missing", transport: "stdio", command: "/nonexistent/mcp-server" },
    ]);
    expect(prompts).toHaveLength(2);
    const last = prompts[1]!;
    expect(last.at(-3)).toEqual({
      role: "user",
      content: [{ type: "text", text: "second question" }],
    });
    // The reply's failed card: the call and its error, before the model is asked.
    expect(JSON.stringify(last.slice(-2))).toContain("mcp_missing");
  });
});
