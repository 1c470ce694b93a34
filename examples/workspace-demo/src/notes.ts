// The demo assistant's notes: the official memory MCP server (a knowledge graph in a JSONL file),
// started from node_modules with one file per context group. The file is chosen by the tenancy
// hook from the conversation's group alone, so one group's process never opens another's notes.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { type McpServerConfig, packageBin } from "@agent-access/agents";

/** The notes file of a context group: a hash of the group, so no group can name a path. */
export function notesFileOf(notesDir: string, contextGroup: string): string {
  const name = createHash("sha256").update(contextGroup).digest("hex").slice(0, 32);
  return path.join(notesDir, `${name}.jsonl`);
}

/**
 * server-memory as the MCP server "notes" (tools `notes_create_entities`, `notes_search_nodes`...),
 * keeping each context group's notes in its own file under `notesDir`. Reading needs no
 * approval; writing and deleting do.
 */
export function workspaceNotesServer(notesDir: string): McpServerConfig {
  const dir = path.resolve(notesDir);
  return {
    name: "notes",
    transport: "stdio",
    command: process.execPath,
    args: [packageBin("@modelcontextprotocol/server-memory")],
    // The same nine tools for every group: a run that only offers them starts no process.
    sharedToolList: true,
    tools: {
      read_graph: { needsApproval: false },
      search_nodes: { needsApproval: false },
      open_nodes: { needsApproval: false },
    },
    tenancy: ({ contextGroup }) => {
      fs.mkdirSync(dir, { recursive: true });
      return { env: { MEMORY_FILE_PATH: notesFileOf(dir, contextGroup) } };
    },
  };
}
