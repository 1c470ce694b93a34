// MCP servers of an agent, run for real: server-everything from the npm registry, started from
// node_modules over stdio (and over Streamable HTTP), driven by the builtin and scripted models
// through the run engine.
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventsUntil, runFinished, setup, teardown, textOf } from "../../test/harness.ts";
import { childPids, EVERYTHING_BIN, everythingServer, freePort } from "../../test/mcp.ts";
import {
  type AgentRuntime,
  type AgentScope,
  createAgentRegistry,
  defineAgent,
  type McpServerConfig,
  type ToolCallPart,
} from "../index.ts";
import { createScriptedModel, type ScriptedTurn } from "../testing.ts";

afterEach(teardown);

const AGENT = "mcp-tester";
// A server busy with a call may take the SDK's grace period (stdin closed, then SIGTERM).
const STOPPED = { timeout: 10_000, interval: 100 };

function registry(servers: McpServerConfig[]) {
  return createAgentRegistry([
    defineAgent({
      id: AGENT,
      name: "MCP tester",
      description: "An agent with MCP servers only.",
      instructions: "Use the tools.",
      tools: {},
      mcpServers: servers,
    }),
  ]);
}

async function start(servers: McpServerConfig[], script?: ScriptedTurn[]) {
  const model = script ? createScriptedModel(script) : undefined;
  const set = await setup({ agents: registry(servers), model });
  const scope: AgentScope = { contextGroup: "team:1", agentIds: [AGENT] };
  return { ...set, scope };
}

async function sendUntil(
  runtime: AgentRuntime,
  scope: AgentScope,
  contextId: string,
  text: string,
) {
  const { lastEventId } = await runtime.getContext(scope, contextId);
  await runtime.send(scope, contextId, { text });
  const events = await eventsUntil(
    runtime,
    scope,
    contextId,
    (event) => event.type === "run.waiting" || event.type === "run.finished",
    lastEventId,
  );
  return events.at(-1)!.event;
}

async function lastReply(runtime: AgentRuntime, scope: AgentScope, contextId: string) {
  const { items } = await runtime.listMessages(scope, contextId, { limit: 50 });
  const message = items.at(-1)!;
  return {
    calls: message.parts.filter((part): part is ToolCallPart => part.type === "tool-call"),
    text: textOf(message),
  };
}

describe("MCP tools", () => {
  it("the builtin model calls an MCP tool, which needs approval; allow always covers the next call", async () => {
    const { runtime, scope } = await start([everythingServer()]);
    const { context } = await runtime.createContext(scope, { agentId: AGENT });

    const waiting = await sendUntil(runtime, scope, context.id, "use echo to say hi");
    expect(waiting).toMatchObject({
      type: "run.waiting",
      reason: "approval",
      toolName: "everything_echo",
      input: { message: "hi" },
    });
    if (waiting.type !== "run.waiting") throw new Error("not waiting");
    // Paused for the user: the run's server process is closed meanwhile.
    await vi.waitFor(() => expect(childPids(EVERYTHING_BIN)).toEqual([]), STOPPED);

    await runtime.respondToApproval(scope, context.id, {
      toolCallId: waiting.toolCallId,
      decision: "allow_always",
    });
    await eventsUntil(runtime, scope, context.id, runFinished());
    const first = await lastReply(runtime, scope, context.id);
    expect(first.calls[0]).toMatchObject({ state: "completed", output: "Echo: hi" });
    expect(first.text).toContain("Echo: hi");

    const again = await sendUntil(runtime, scope, context.id, "use echo to say hello there");
    expect(again).toMatchObject({ type: "run.finished", status: "completed" });
    const second = await lastReply(runtime, scope, context.id);
    expect(second.calls[0]).toMatchObject({
      toolName: "everything_echo",
      state: "completed",
      output: "Echo: hello there",
    });
    // The run ended: no server process is left behind.
    await vi.waitFor(() => expect(childPids(EVERYTHING_BIN)).toEqual([]), STOPPED);
  });

  it("a per-tool override runs a tool without asking", async () => {
    const { runtime, scope } = await start([
      everythingServer({ tools: { echo: { needsApproval: false } } }),
    ]);
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    const finished = await sendUntil(runtime, scope, context.id, "use echo to say hi");
    expect(finished).toMatchObject({ type: "run.finished", status: "completed" });
    expect((await lastReply(runtime, scope, context.id)).calls[0]).toMatchObject({
      state: "completed",
      output: "Echo: hi",
    });
  });

  it("tenancy arguments override the model's, and tenancy env reaches the group's process", async () => {
    const servers = [
      everythingServer({
        needsApproval: false,
        tenancy: ({ contextGroup }) => ({
          env: { TENANT_GROUP: contextGroup },
          arguments: { message: `from ${contextGroup}` },
        }),
      }),
    ];
    const script: ScriptedTurn[] = [
      { when: "echo", calls: [{ tool: "everything_echo", input: { message: "team:2" } }] },
      { when: "env", calls: [{ tool: "everything_get-env" }] },
    ];
    const { runtime, scope } = await start(servers, script);
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    await sendUntil(runtime, scope, context.id, "echo");
    expect((await lastReply(runtime, scope, context.id)).calls[0]).toMatchObject({
      output: "Echo: from team:1",
    });
    await sendUntil(runtime, scope, context.id, "env");
    const env = (await lastReply(runtime, scope, context.id)).calls[0]!.output;
    expect(JSON.parse(String(env))).toMatchObject({ TENANT_GROUP: "team:1" });
  });
});

describe("MCP faults", () => {
  it("a server that cannot start gives a failed card and the run still answers", async () => {
    const broken: McpServerConfig = {
      name: "broken",
      transport: "stdio",
      command: process.execPath,
      args: ["-e", "process.stderr.write('missing API key\\n'); process.exit(3)"],
    };
    const { runtime, scope } = await start([broken, everythingServer({ needsApproval: false })]);
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    const finished = await sendUntil(runtime, scope, context.id, "use echo to say hi");
    expect(finished).toMatchObject({ type: "run.finished", status: "completed" });
    const reply = await lastReply(runtime, scope, context.id);
    expect(reply.calls[0]).toMatchObject({ toolName: "mcp_broken", state: "failed" });
    expect(reply.calls[0]!.error).toContain('The MCP server "broken" could not start');
    expect(reply.calls[0]!.error).toContain("missing API key");
    // The other server's tools still work.
    expect(reply.calls[1]).toMatchObject({ toolName: "everything_echo", state: "completed" });
  });

  it("a command that does not exist is a failed card, not a stuck run", async () => {
    const missing: McpServerConfig = {
      name: "missing",
      transport: "stdio",
      command: "/nonexistent/mcp-server",
    };
    const { runtime, scope } = await start([missing]);
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    const finished = await sendUntil(runtime, scope, context.id, "hello");
    expect(finished).toMatchObject({ type: "run.finished", status: "completed" });
    const reply = await lastReply(runtime, scope, context.id);
    expect(reply.calls[0]).toMatchObject({ toolName: "mcp_missing", state: "failed" });
    expect(reply.calls[0]!.error).toContain("ENOENT");
  });

  it("an error result of the server fails the call with its message", async () => {
    const { runtime, scope } = await start(
      [everythingServer({ needsApproval: false })],
      [{ calls: [{ tool: "everything_get-sum", input: { a: "one", b: 2 } }], reply: "done" }],
    );
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    const finished = await sendUntil(runtime, scope, context.id, "add");
    expect(finished).toMatchObject({ type: "run.finished", status: "completed" });
    const { calls } = await lastReply(runtime, scope, context.id);
    expect(calls[0]).toMatchObject({ state: "failed" });
    expect(calls[0]!.error).toContain('The MCP server "everything" answered with an error');
  });

  it("a call that takes longer than the server's timeout fails", async () => {
    const { runtime, scope } = await start(
      [everythingServer({ needsApproval: false, timeoutMs: 300 })],
      [
        {
          calls: [
            {
              tool: "everything_trigger-long-running-operation",
              input: { duration: 60, steps: 2 },
            },
          ],
          reply: "done",
        },
      ],
    );
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    const finished = await sendUntil(runtime, scope, context.id, "long");
    expect(finished).toMatchObject({ type: "run.finished", status: "completed" });
    const { calls } = await lastReply(runtime, scope, context.id);
    expect(calls[0]).toMatchObject({
      state: "failed",
      error: 'The MCP server "everything" did not answer within 0.3 s.',
    });
    await vi.waitFor(() => expect(childPids(EVERYTHING_BIN)).toEqual([]), STOPPED);
  });

  it("a server that dies mid-call fails the call; the next call starts it again", async () => {
    const script: ScriptedTurn[] = [
      {
        when: "long",
        calls: [
          { tool: "everything_trigger-long-running-operation", input: { duration: 60, steps: 2 } },
        ],
        reply: "done",
      },
      { when: "echo", calls: [{ tool: "everything_echo", input: { message: "back" } }] },
    ];
    const { runtime, scope } = await start([everythingServer({ needsApproval: false })], script);
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    await runtime.send(scope, context.id, { text: "long" });
    await eventsUntil(
      runtime,
      scope,
      context.id,
      (event) => event.type === "message.part" && event.part.type === "tool-call",
    );
    const [pid] = await vi.waitFor(() => {
      const pids = childPids(EVERYTHING_BIN);
      expect(pids).toHaveLength(1);
      return pids;
    });
    process.kill(pid!, "SIGKILL");
    await eventsUntil(runtime, scope, context.id, runFinished());
    const { calls } = await lastReply(runtime, scope, context.id);
    expect(calls[0]).toMatchObject({ state: "failed" });
    expect(calls[0]!.error).toContain('The MCP server "everything" failed during the call');

    await sendUntil(runtime, scope, context.id, "echo");
    expect((await lastReply(runtime, scope, context.id)).calls[0]).toMatchObject({
      state: "completed",
      output: "Echo: back",
    });
  });

  it("shutdown during a call interrupts the run and leaves no server process", async () => {
    const { runtime, scope } = await start(
      [everythingServer({ needsApproval: false })],
      [
        {
          calls: [
            {
              tool: "everything_trigger-long-running-operation",
              input: { duration: 60, steps: 2 },
            },
          ],
        },
      ],
    );
    const { context } = await runtime.createContext(scope, { agentId: AGENT });
    await runtime.send(scope, context.id, { text: "long" });
    await eventsUntil(
      runtime,
      scope,
      context.id,
      (event) => event.type === "message.part" && event.part.type === "tool-call",
    );
    await vi.waitFor(() => expect(childPids(EVERYTHING_BIN)).toHaveLength(1));
    await runtime.close();
    expect(childPids(EVERYTHING_BIN)).toEqual([]);
    const { items } = await runtime.listMessages(scope, context.id, { limit: 10 });
    const call = items.at(-1)!.parts[0] as ToolCallPart;
    expect(call).toMatchObject({ state: "cancelled" });
  });
});

describe("MCP over Streamable HTTP", () => {
  it("lists and calls the tools of an HTTP server", async () => {
    const port = await freePort();
    const server = spawn(process.execPath, [EVERYTHING_BIN, "streamableHttp"], {
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stderr.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("listening")) resolve();
        });
        server.on("exit", (code) => reject(new Error(`server-everything exited with ${code}`)));
      });
      const http: McpServerConfig = {
        name: "remote",
        transport: "http",
        url: `http://127.0.0.1:${port}/mcp`,
        headers: { authorization: "Bearer tenant-token" },
        needsApproval: false,
      };
      const { runtime, scope } = await start([http]);
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      await sendUntil(runtime, scope, context.id, "use echo to say over http");
      expect((await lastReply(runtime, scope, context.id)).calls[0]).toMatchObject({
        toolName: "remote_echo",
        state: "completed",
        output: "Echo: over http",
      });
    } finally {
      server.kill();
    }
  });
});
