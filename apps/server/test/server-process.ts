// Starts the real server (src/main.ts, through test/main.ts, which adds the framework's test
// agent) as a child process on a free port with its own database
// file, as `pnpm start` (production: the built web app) or `pnpm dev` would: for tests that
// kill, restart or drive it from a browser.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface ServerProcess {
  url: string;
  databasePath: string;
  /** The running server's process id, for measuring it (its memory). */
  pid: () => number;
  /** Everything the server printed, for diagnosing a failure. */
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and database (after `stop`, or stops it first). */
  restart(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerProcessOptions {
  /** NODE_ENV=production: serves apps/web/dist (built first) and skips the demo seed. Default true. */
  production?: boolean;
  /** More environment variables. */
  env?: Record<string, string>;
}

export async function startServerProcess(
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const production = options.production ?? true;
  if (production && !fs.existsSync(path.join(root, "apps/web/dist/index.html"))) {
    throw new Error("apps/web/dist is missing: run `pnpm build` first (pnpm test:e2e does)");
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aa-server-")), "server.db");
  let output = "";
  let child: ChildProcess;

  async function launch(): Promise<void> {
    child = spawn(process.execPath, ["--import", "tsx", "apps/server/test/main.ts"], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: production ? "production" : "development",
        PORT: String(port),
        HOST: "127.0.0.1",
        PUBLIC_URL: url,
        DATABASE_PATH: databasePath,
        ...options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`server did not start within 30 s:\n${output}`);
  }

  async function stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  await launch();
  return {
    url,
    databasePath,
    pid: () => child.pid!,
    output: () => output,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
