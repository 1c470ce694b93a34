// The child side of a benchmark server: tells the parent where it listens and answers its
// questions about memory over the IPC channel, so the parent can measure what the server holds.

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  external: number;
}

export type ParentMessage =
  | { type: "memory"; id: number }
  | { type: "cpu"; id: number }
  | { type: "peak-start" }
  | { type: "peak-stop"; id: number };

export type ChildMessage =
  | { type: "ready"; url: string; info: Record<string, string> }
  | { type: "memory"; id: number; memory: MemoryFigures }
  | { type: "peak"; id: number; memory: MemoryFigures }
  | { type: "cpu"; id: number; cpuMs: number };

const gc = (globalThis as { gc?: () => void }).gc;

function figures(): MemoryFigures {
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

/** Memory after full collections, so garbage does not count as held. */
function settledMemory(): MemoryFigures {
  gc?.();
  gc?.();
  return figures();
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/**
 * Announces the server and serves the parent's requests until it disconnects; then `close`
 * runs and the process exits.
 */
export function serveParent(
  url: string,
  info: Record<string, string>,
  close: () => Promise<void>,
): void {
  let peak: MemoryFigures | null = null;
  let sampler: NodeJS.Timeout | undefined;
  process.on("message", (message: ParentMessage) => {
    if (message.type === "memory")
      send({ type: "memory", id: message.id, memory: settledMemory() });
    if (message.type === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ type: "cpu", id: message.id, cpuMs: (user + system) / 1000 });
    }
    if (message.type === "peak-start") {
      peak = figures();
      clearInterval(sampler);
      sampler = setInterval(() => {
        const now = figures();
        peak = {
          rss: Math.max(peak!.rss, now.rss),
          heapUsed: Math.max(peak!.heapUsed, now.heapUsed),
          external: Math.max(peak!.external, now.external),
        };
      }, 20);
    }
    if (message.type === "peak-stop") {
      clearInterval(sampler);
      send({ type: "peak", id: message.id, memory: peak ?? figures() });
    }
  });
  process.on("disconnect", () => {
    clearInterval(sampler);
    void close().finally(() => process.exit(0));
  });
  send({ type: "ready", url, info });
}
