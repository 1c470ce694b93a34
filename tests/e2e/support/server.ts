// Starts the production server (`NODE_ENV=production`, the built web app) as a child process
// on a free port with a fresh database file, as `pnpm start` would.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

export interface ProductionServer {
  url: string;
  databasePath: string;
  /** Everything the server printed, for diagnosing a failure. */
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
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

export async function startProductionServer(
  env: Record<string, string> = {},
): Promise<ProductionServer> {
  if (!fs.existsSync(path.join(root, "apps/web/dist/index.html"))) {
    throw new Error("apps/web/dist is missing: run `pnpm build` first (pnpm test:e2e does)");
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aa-e2e-")), "e2e.db");
  let output = "";
  let child: ChildProcess;

  async function launch(): Promise<void> {
    child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(port),
        HOST: "127.0.0.1",
        PUBLIC_URL: url,
        DATABASE_PATH: databasePath,
        ...env,
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
    output: () => output,
    stop,
    async restart() {
      await stop();
      await launch();
    },
  };
}
