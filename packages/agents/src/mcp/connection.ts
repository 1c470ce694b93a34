// One live connection to an MCP server through the official SDK client: a started stdio process
// or a Streamable HTTP session. It turns the SDK's failures (could not start, timed out, the
// process died mid-call, the tool said isError) into messages a user can read on a tool card.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpServerJson, McpTenancy } from "./config.ts";

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
export const DEFAULT_START_TIMEOUT_MS = 10_000;

/** A tool as the server lists it. */
export interface McpToolInfo {
  name: string;
  description: string;
  /** The input's JSON Schema, as the server gives it. */
  inputSchema: Record<string, unknown>;
}

/** What one call gave back: its result, or why it failed, in words. */
export type McpCallOutcome = { ok: true; output: unknown } | { ok: false; error: string };

const STDERR_TAIL = 1_000;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type CallResult = { content?: unknown; structuredContent?: unknown; isError?: unknown };

/** A result's content as the model and the card show it: text joined, other kinds named. */
function contentOf(result: CallResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const content = Array.isArray(result.content) ? result.content : [];
  const texts = content.map((item: { type?: string; text?: string }) =>
    item.type === "text" ? (item.text ?? "") : `[${item.type ?? "content"}]`,
  );
  return texts.length === 1 ? texts[0] : texts;
}

export class McpConnection {
  private readonly client = new Client({ name: "agent-access", version: "1.0.0" });
  private stderrTail = "";
  private closedReason: string | null = null;
  private readonly transport: Transport;

  private constructor(
    readonly server: McpServerJson,
    tenancy: McpTenancy,
  ) {
    if (server.transport === "stdio") {
      const stdio = new StdioClientTransport({
        command: server.command,
        args: server.args ?? [],
        env: { ...server.env, ...tenancy.env },
        cwd: server.cwd,
        // Kept for the message when the server dies; inherited it would mix into the app's log.
        stderr: "pipe",
      });
      stdio.stderr?.on("data", (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
      });
      this.transport = stdio;
    } else {
      this.transport = new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { ...server.headers, ...tenancy.headers } },
      });
    }
    this.client.onclose = () => {
      this.closedReason ??= "the server closed the connection";
    };
  }

  /** Starts the server (or opens the HTTP session) and completes the MCP handshake. */
  static async open(server: McpServerJson, tenancy: McpTenancy): Promise<McpConnection> {
    const connection = new McpConnection(server, tenancy);
    try {
      await connection.client.connect(connection.transport, {
        timeout: server.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      });
    } catch (error) {
      await connection.close();
      throw new Error(
        `The MCP server "${server.name}" could not start: ${connection.explain(error)}`,
      );
    }
    return connection;
  }

  /** The stdio process id, while it runs. */
  get pid(): number | null {
    return this.transport instanceof StdioClientTransport ? this.transport.pid : null;
  }

  get alive(): boolean {
    return this.closedReason === null;
  }

  async listTools(): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined, {
        timeout: this.server.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      });
      for (const tool of page.tools) {
        tools.push({
          name: tool.name,
          description: tool.description ?? tool.title ?? tool.name,
          inputSchema: tool.inputSchema as Record<string, unknown>,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  }

  /** Calls a tool; never throws for the server's faults, only when `signal` aborts. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<McpCallOutcome> {
    const timeout = this.server.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    try {
      const result = (await this.client.callTool({ name, arguments: args }, undefined, {
        signal,
        timeout,
        resetTimeoutOnProgress: false,
      })) as CallResult;
      const output = contentOf(result);
      if (result.isError) {
        const text = Array.isArray(output) ? output.join(" ") : JSON.stringify(output);
        return {
          ok: false,
          error: `The MCP server "${this.server.name}" answered with an error: ${typeof output === "string" ? output : text}`,
        };
      }
      return { ok: true, output };
    } catch (error) {
      if (signal.aborted) throw error;
      if (/timed out/i.test(reason(error))) {
        return {
          ok: false,
          error: `The MCP server "${this.server.name}" did not answer within ${timeout / 1000} s.`,
        };
      }
      return {
        ok: false,
        error: `The MCP server "${this.server.name}" failed during the call: ${this.explain(error)}`,
      };
    }
  }

  /** Ends the session; a stdio server's process is stopped (stdin closed, then signalled). */
  async close(): Promise<void> {
    this.closedReason ??= "closed";
    await this.client.close().catch(() => {});
    await this.transport.close().catch(() => {});
  }

  private explain(error: unknown): string {
    const stderr = this.stderrTail.trim().split("\n").at(-1);
    const base =
      this.closedReason && this.closedReason !== "closed" ? this.closedReason : reason(error);
    return stderr ? `${base} (its last words: ${stderr})` : base;
  }
}
