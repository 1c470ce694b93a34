// The demo assistant's notes run in the real server-memory, one file per context group: what
// one group stores, another group's conversation cannot read, whatever the model asks for.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  type AgentRuntime,
  type AgentScope,
  createAgentRegistry,
  type ToolCallPart,
} from "@agent-access/agents";
import { createScriptedModel } from "@agent-access/agents/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  eventsUntil,
  runFinished,
  setup,
  teardown,
} from "../../../packages/agents/test/harness.ts";
import { createWorkspaceAssistant } from "./agent.ts";
import { notesFileOf } from "./notes.ts";

afterEach(teardown);

const AGENT = "workspace-assistant";

async function ask(runtime: AgentRuntime, scope: AgentScope, text: string) {
  const { context } = await runtime.createContext(scope, { agentId: AGENT });
  await runtime.send(scope, context.id, { text });
  const events = await eventsUntil(runtime, scope, context.id, (event) =>
    ["run.waiting", "run.finished"].includes(event.type),
  );
  const last = events.at(-1)!.event;
  if (last.type === "run.waiting") {
    await runtime.respondToApproval(scope, context.id, {
      toolCallId: last.toolCallId,
      decision: "allow_once",
    });
    await eventsUntil(runtime, scope, context.id, runFinished());
  }
  const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
  return items.at(-1)!.parts.find((part): part is ToolCallPart => part.type === "tool-call")!;
}

describe("workspace notes", () => {
  it("keeps each context group's notes apart: group B cannot see what group A stored", async () => {
    const notesDir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-notes-"));
    const model = createScriptedModel([
      {
        when: /remember/,
        calls: [
          {
            tool: "notes_create_entities",
            input: {
              entities: [
                { name: "launch", entityType: "plan", observations: ["The launch is on Friday"] },
              ],
            },
          },
        ],
        reply: "Noted.",
      },
      { when: /read/, calls: [{ tool: "notes_read_graph" }], reply: "Here." },
      {
        when: /search/,
        calls: [{ tool: "notes_search_nodes", input: { query: "launch" } }],
        reply: "Found.",
      },
    ]);
    const agents = createAgentRegistry([createWorkspaceAssistant({ notesDir })]);
    const { runtime } = setup({ agents, model });
    const groupA: AgentScope = { contextGroup: "workspace:1:user:1", agentIds: [AGENT] };
    const groupB: AgentScope = { contextGroup: "workspace:2:user:1", agentIds: [AGENT] };

    const stored = await ask(runtime, groupA, "remember the launch");
    expect(stored).toMatchObject({ toolName: "notes_create_entities", state: "completed" });

    const readA = await ask(runtime, groupA, "read my notes");
    expect(readA).toMatchObject({ toolName: "notes_read_graph", state: "completed" });
    expect(JSON.stringify(readA.output)).toContain("The launch is on Friday");

    const readB = await ask(runtime, groupB, "read my notes");
    expect(readB).toMatchObject({ toolName: "notes_read_graph", state: "completed" });
    expect(JSON.stringify(readB.output)).not.toContain("launch");
    const searchB = await ask(runtime, groupB, "search launch");
    expect(searchB).toMatchObject({ state: "completed" });
    expect(JSON.stringify(searchB.output)).not.toContain("Friday");

    // On disk too: one file per group, named by a hash of the group.
    const fileA = notesFileOf(notesDir, groupA.contextGroup);
    expect(fs.readFileSync(fileA, "utf8")).toContain("The launch is on Friday");
    expect(path.dirname(fileA)).toBe(notesDir);
    const fileB = notesFileOf(notesDir, groupB.contextGroup);
    expect(fs.existsSync(fileB) ? fs.readFileSync(fileB, "utf8") : "").not.toContain("Friday");
  });
});
