// The MCP servers of a runtime's agents, as tools of one run. At run start each server's tools
// are listed (or taken from a short-lived cache), prefixed with the server's name and handed to
// the model beside the agent's own tools. Connections belong to the run that opened them and are
// closed when it stops; the hub closes whatever is left on shutdown.
import { z } from "zod";
import type { AgentDefinition, ExecutableTool } from "../agent.ts";
import type { HostContext } from "../types.ts";
import type { McpServerConfig, McpTenancy } from "./config.ts";
import { McpConnection, type McpToolInfo } from "./connection.ts";

/** How long a server's tool list is reused before it is listed again, in ms. */
export const MCP_TOOLS_CACHE_MS = 60_000;

/** A server whose tools could not be listed for this run, and why. */
export interface UnavailableServer {
  name: string;
  error: string;
}

export interface McpRunTools {
  /** The servers' tools by prefixed name, e.g. `everything_echo`. */
  tools: Record<string, ExecutableTool>;
  unavailable: UnavailableServer[];
  /** Closes the connections this run opened (stdio processes end). */
  close(): Promise<void>;
}

/** The server's tool name made fit for providers, behind its server's prefix. */
export function mcpToolName(server: string, tool: string): string {
  return `${server}_${tool.replace(/[^a-zA-Z0-9_-]/g, "_")}`.slice(0, 64);
}

// MCP tools take whatever object their server accepts: the server checks its own input, and a
// second, stricter check here could only disagree with it.
const anyObject = z.record(z.string(), z.unknown());

interface Listed {
  /** Settles with the list; runs that start while it is being listed share the one listing. */
  tools: Promise<McpToolInfo[]>;
  expiresAt: number;
}

export class McpHub {
  private readonly listings = new Map<string, Listed>();
  private readonly runs = new Set<McpRun>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Lists the agent's servers' tools for one run in `contextGroup`. */
  async openRun(
    agent: AgentDefinition,
    scope: { contextGroup: string; hostContext: HostContext },
  ): Promise<McpRunTools> {
    const run = new McpRun(this.runs);
    this.runs.add(run);
    const tools: Record<string, ExecutableTool> = {};
    const unavailable: UnavailableServer[] = [];
    for (const server of agent.mcpServers ?? []) {
      const tenancy = server.tenancy?.(scope) ?? {};
      const key = connectionKey(agent.id, server, tenancy);
      const listKey = server.sharedToolList ? JSON.stringify([agent.id, server.name]) : key;
      let listed = this.listings.get(listKey);
      if (!listed || listed.expiresAt <= this.now()) {
        const entry: Listed = {
          tools: run.connect(key, server, tenancy).then((connection) => connection.listTools()),
          expiresAt: this.now() + MCP_TOOLS_CACHE_MS,
        };
        this.listings.set(listKey, entry);
        // A failed listing is not kept: the next run tries again.
        entry.tools.catch(() => {
          if (this.listings.get(listKey) === entry) this.listings.delete(listKey);
        });
        listed = entry;
      }
      let infos: McpToolInfo[];
      try {
        infos = await listed.tools;
      } catch (error) {
        unavailable.push({ name: server.name, error: (error as Error).message });
        await run.drop(key);
        continue;
      }
      for (const info of infos) {
        const name = mcpToolName(server.name, info.name);
        if (name in agent.tools || name in tools) continue;
        tools[name] = {
          kind: "execute",
          description: info.description,
          inputSchema: anyObject,
          modelInputSchema: info.inputSchema,
          needsApproval: server.tools?.[info.name]?.needsApproval ?? server.needsApproval ?? true,
          async execute(input, context) {
            const args = { ...(input as Record<string, unknown>), ...tenancy.arguments };
            const connection = await run.connect(key, server, tenancy);
            const outcome = await connection.callTool(info.name, args, context.signal);
            if (!outcome.ok) throw new Error(outcome.error);
            return outcome.output;
          },
        };
      }
    }
    return { tools, unavailable, close: () => run.close() };
  }

  /** Shutdown: closes every connection still open. */
  async close(): Promise<void> {
    await Promise.all([...this.runs].map((run) => run.close()));
  }
}

function connectionKey(agentId: string, server: McpServerConfig, tenancy: McpTenancy): string {
  return JSON.stringify([agentId, server.name, tenancy.env ?? {}, tenancy.headers ?? {}]);
}

/** The connections of one run, opened on first use and reopened after the server died. */
class McpRun {
  private readonly connections = new Map<string, Promise<McpConnection>>();
  private closed = false;

  constructor(private readonly owner: Set<McpRun>) {}

  async connect(key: string, server: McpServerConfig, tenancy: McpTenancy): Promise<McpConnection> {
    if (this.closed) throw new Error("The run has ended.");
    const open = this.connections.get(key);
    if (open) {
      const connection = await open.catch(() => null);
      if (connection?.alive) return connection;
      await connection?.close();
    }
    const opening = McpConnection.open(server, tenancy);
    this.connections.set(key, opening);
    const connection = await opening;
    // Closed while it started: end it rather than leave it behind.
    if (this.closed) {
      await connection.close();
      throw new Error("The run has ended.");
    }
    return connection;
  }

  async drop(key: string): Promise<void> {
    const open = this.connections.get(key);
    this.connections.delete(key);
    await (await open?.catch(() => null))?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.owner.delete(this);
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(open.map(async (opening) => (await opening.catch(() => null))?.close()));
  }
}
