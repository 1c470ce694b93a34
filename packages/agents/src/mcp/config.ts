// How an agent names the MCP servers whose tools it offers: in code (`defineAgent({ mcpServers })`)
// or in a JSON file (AGENT_MCP_CONFIG). The zod schema here is the file's format and also checks
// servers given in code, so both ways fail with the same messages.
import { z } from "zod";
import type { HostContext, JsonValue } from "../types.ts";

/** What the tenancy hook of a server learns about the call it shapes. */
export interface McpTenancyInput {
  /** The conversation's context group: the tenant whose data the call may touch. */
  contextGroup: string;
  /** What the app's backend put in the ticket (read-only; `{}` when it gave none). */
  hostContext: HostContext;
}

/**
 * What a tenancy hook adds for one context group. Connections are kept apart by what it returns:
 * a stdio server gets its own process for each distinct `env`, an HTTP server its own session
 * for each distinct `headers`, so nothing one group's connection holds reaches another's.
 */
export interface McpTenancy {
  /** Environment variables of the stdio process (e.g. the tenant's own data file). */
  env?: Record<string, string>;
  /** HTTP headers of every request (e.g. the tenant's own token). */
  headers?: Record<string, string>;
  /** Arguments set on every tool call, over whatever the model gave (e.g. `{ tenant: "42" }`). */
  arguments?: Record<string, JsonValue>;
}

const SERVER_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,23}$/;

const toolOptions = z.object({
  /** Ask the user before every call of this tool. Default: the server's `needsApproval`. */
  needsApproval: z.boolean().optional(),
});

const common = {
  /** Prefix of the server's tool names: "everything" offers `everything_echo`. */
  name: z
    .string()
    .regex(
      SERVER_NAME,
      "must start with a letter and hold only letters, digits and - (24 at most)",
    ),
  /** Ask the user before every call of this server's tools (unless "allow always"). Default true. */
  needsApproval: z.boolean().optional(),
  /** Per-tool overrides, by the server's own tool name (without the prefix). */
  tools: z.record(z.string(), toolOptions).optional(),
  /** Give up on one tool call after this many ms. Default 30000. */
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  /**
   * The server lists the same tools for every context group: one listing (by whichever group's
   * run comes first) serves all groups for MCP_TOOLS_CACHE_MS, so a run that calls none of its
   * tools starts no process. Calls still go through each group's own connection. Default false:
   * each group's connection lists its own (for servers whose tools depend on the tenant's token).
   */
  sharedToolList: z.boolean().optional(),
  /** Give up on starting the server and listing its tools after this many ms. Default 10000. */
  startTimeoutMs: z.number().int().min(100).max(120_000).optional(),
};

const stdioServer = z.object({
  ...common,
  transport: z.literal("stdio"),
  /** The program to start, e.g. "node". It is started without a shell. */
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  /** Added to a minimal environment (PATH, HOME...); the server's own variables are not passed. */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().min(1).optional(),
});

const httpServer = z.object({
  ...common,
  /** Streamable HTTP. */
  transport: z.literal("http"),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string(), z.string()).optional(),
});

export const mcpServerSchema = z.discriminatedUnion("transport", [stdioServer, httpServer]);

/** An MCP server as written in the JSON file. */
export type McpServerJson = z.output<typeof mcpServerSchema>;

/** An MCP server of an agent: the JSON shape, plus a tenancy hook that only code can give. */
export type McpServerConfig = McpServerJson & {
  /**
   * Called before the server's tools are listed or called for a context group; what it returns
   * keeps that group's connection apart from every other group's. Default: nothing added, one
   * connection shared by every group (fit only for servers that hold no tenant data).
   */
  tenancy?: (input: McpTenancyInput) => McpTenancy;
};

/**
 * The AGENT_MCP_CONFIG file: MCP servers to add to agents, by agent id, e.g.
 * `{ "agents": { "workspace-assistant": [{ "name": "everything", "transport": "stdio",
 * "command": "node", "args": ["server.js"] }] } }`.
 */
export const mcpConfigFileSchema = z.strictObject({
  agents: z.record(z.string(), z.array(mcpServerSchema).max(16)),
});

export type McpConfigFile = z.output<typeof mcpConfigFileSchema>;

/** Zod issues as "field.path: message" lines, so a bad file names the field to fix. */
export function describeConfigIssues(error: z.ZodError): string[] {
  const fieldOf = (path: readonly PropertyKey[]) =>
    path
      .map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`))
      .join("")
      .replace(/^\./, "");
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const fields = issue.keys.map((key) => fieldOf([...issue.path, key]));
      return `${fields.join(", ")}: not a known field`;
    }
    return `${fieldOf(issue.path) || "(the whole file)"}: ${issue.message}`;
  });
}

/** Checks servers given in code (the schema of the file, and unique names). */
export function checkMcpServers(agentId: string, servers: readonly McpServerConfig[]): void {
  const names = new Set<string>();
  servers.forEach((server, index) => {
    const { tenancy: _tenancy, ...json } = server;
    const result = mcpServerSchema.safeParse(json);
    if (!result.success) {
      const lines = describeConfigIssues(result.error).map(
        (line) => `mcpServers[${index}].${line}`,
      );
      throw new Error(`MCP server of agent "${agentId}" is invalid: ${lines.join("; ")}`);
    }
    if (names.has(server.name)) {
      throw new Error(`Agent "${agentId}" has two MCP servers named "${server.name}".`);
    }
    names.add(server.name);
  });
}
