// Real MCP servers from the npm registry for tests, started from node_modules with this node:
// server-everything (echo, sums, errors, long calls, env) and server-memory (a knowledge graph
// in a JSONL file). Also a way to see which of their processes are still alive.
import fs from "node:fs";
import net from "node:net";
import { type McpServerConfig, packageBin } from "../src/index.ts";

export const EVERYTHING_BIN = packageBin("@modelcontextprotocol/server-everything");
export const MEMORY_BIN = packageBin("@modelcontextprotocol/server-memory");

/** server-everything over stdio, named "everything" (its tools: everything_echo...). */
export function everythingServer(extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return {
    name: "everything",
    transport: "stdio",
    command: process.execPath,
    args: [EVERYTHING_BIN, "stdio"],
    ...extra,
  } as McpServerConfig;
}

/** Process ids of this process's children started from `script`, read from /proc. */
export function childPids(script: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name, which sits in parentheses: state, then ppid.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid || fields[0] === "Z") continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(script)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** A port no one listens on right now, picked by the system. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
