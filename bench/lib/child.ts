// The parent side of a benchmark server: each server runs in its own Node process, as it would
// in production, while the load generator and the client run in this one.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage, MemoryFigures, ParentMessage } from "../servers/ipc.ts";

export interface ServerOptions {
  /** The builtin model's pause before each word, in ms. Default 0. */
  tokenDelayMs?: number;
  /**
   * PostgreSQL: the database (a schema's URL) to run on; servers given the same one share it, as
   * instances do. Unset: SQLite, a WAL file of the server's own in a temporary folder.
   */
  databaseUrl?: string;
}

export interface BenchServer {
  url: string;
  /** The server's process id (for a signal, e.g. a heap snapshot: BENCH_HEAP_SNAPSHOTS). */
  pid: number;
  /** What the server set up for the benchmark (e.g. an API key). */
  info: Record<string, string>;
  /** The server's memory after full garbage collections. */
  memory(): Promise<MemoryFigures>;
  /** Starts sampling the server's memory every 20 ms; `peakStop` answers the highest. */
  peakStart(): void;
  peakStop(): Promise<MemoryFigures>;
  /** CPU time the server process has used so far (user + system), in ms. */
  cpuMs(): Promise<number>;
  /** Settles when the server process has exited (stopped, or died). */
  exited: Promise<void>;
  stop(): Promise<void>;
}

const SERVERS = {
  /** The real app: Hono, tRPC, the run engine, a WAL database file. */
  app: fileURLToPath(new URL("../servers/app.ts", import.meta.url)),
  /** The baselines: plain node:http handlers. */
  raw: fileURLToPath(new URL("../servers/raw.ts", import.meta.url)),
  /** Benchmark 8's peer: the AI SDK's own chat route in plain Hono, nothing stored. */
  peer: fileURLToPath(new URL("../servers/peer.ts", import.meta.url)),
};

export async function startServer(
  kind: keyof typeof SERVERS,
  options: ServerOptions = {},
): Promise<BenchServer> {
  // BENCH_CPU_PROF=<folder>: each server writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // BENCH_HEAP_SNAPSHOTS=<folder>: a server writes a heap snapshot there on SIGUSR2.
  if (process.env.BENCH_HEAP_SNAPSHOTS) {
    profile.push(
      "--heapsnapshot-signal=SIGUSR2",
      `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOTS}`,
    );
  }
  const child: ChildProcess = fork(SERVERS[kind], [], {
    execArgv: ["--import", "tsx", "--expose-gc", ...profile],
    env: { ...process.env, BENCH_SERVER_OPTIONS: JSON.stringify(options) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const waiting = new Map<number, (answer: MemoryFigures | number) => void>();
  let gone: Error | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      // A server that dies mid-benchmark fails that benchmark (its questions are answered with
      // the error), not the whole run.
      gone = new Error(`the ${kind} server exited (${signal ?? `code ${code}`})`);
      resolve();
    }),
  );
  // Sending to a server that has just died reports here rather than as an unhandled event.
  child.on("error", () => {});

  const ready = await new Promise<Extract<ChildMessage, { type: "ready" }>>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the ${kind} server exited with ${code}`)));
    child.on("message", (message: ChildMessage) => {
      if (message.type === "ready") resolve(message);
      else waiting.get(message.id)?.(message.type === "cpu" ? message.cpuMs : message.memory);
    });
  });

  function ask<T extends MemoryFigures | number>(
    message: ParentMessage & { id: number },
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      if (gone) return reject(gone);
      waiting.set(message.id, (answer) => {
        waiting.delete(message.id);
        resolve(answer as T);
      });
      void exited.then(() => reject(gone));
      child.send(message);
    });
  }

  return {
    url: ready.url,
    pid: child.pid!,
    info: ready.info,
    memory: () => ask({ type: "memory", id: nextId++ }),
    peakStart: () => {
      if (!gone) child.send({ type: "peak-start" } satisfies ParentMessage);
    },
    peakStop: () => ask({ type: "peak-stop", id: nextId++ }),
    cpuMs: () => ask({ type: "cpu", id: nextId++ }),
    exited,
    async stop() {
      if (gone) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
