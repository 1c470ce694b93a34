// The README's commands as a new user runs them: `pnpm start` (the production build, built by
// `pnpm test:e2e` first) stops cleanly on a signal, and the e2e suite on a machine without
// Chromium fails with one line that says what to install.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it, onTestFinished } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

it("`pnpm start` stopped with SIGTERM shuts down and exits 0", async () => {
  const databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aa-start-")), "start.db");
  // Signals go to pnpm alone, as a process manager (systemd, docker stop) sends them. Its own
  // process group lets the test end whatever is left of it if the server outlives pnpm.
  const child = spawn("pnpm", ["start"], {
    cwd: root,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATABASE_PATH: databasePath },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group is gone: nothing was left behind
    }
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, output })),
  );

  await expect.poll(() => output, { timeout: 30_000 }).toMatch(/listening on http:\/\/\S+:\d+/);
  const url = output.match(/listening on (http:\/\/\S+:\d+)/)![1]!;
  expect((await fetch(`${url}/healthz`)).status).toBe(200);

  child.kill("SIGTERM");
  const { code, signal } = await exited;
  expect(output).toContain("SIGTERM: closing HTTP, then the run engine, then the database");
  expect(output).not.toContain("ELIFECYCLE");
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  // The server itself ended too (not left running under a dead shell).
  await expect(fetch(`${url}/healthz`)).rejects.toThrow();
});

it("without Chromium, the e2e suite stops with one line naming the package and CHROMIUM_PATH", async () => {
  const child = spawn(
    process.execPath,
    [
      path.join(root, "node_modules/vitest/vitest.mjs"),
      "run",
      "--project",
      "e2e",
      "tests/e2e/shell.test.ts",
    ],
    {
      cwd: root,
      env: { ...process.env, CHROMIUM_PATH: "/nonexistent/chromium", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const { code } = await new Promise<Exit>((resolve) =>
    child.once("exit", (exitCode, signal) => resolve({ code: exitCode, signal, output })),
  );

  expect(code).toBe(1);
  const mentions = output.split("\n").filter((line) => line.includes("chromium"));
  expect(mentions).toEqual([
    "No Chromium at /nonexistent/chromium: install Debian's chromium package (`bash scripts/setup.sh` does as root or with sudo; or `apt-get install chromium`), or set CHROMIUM_PATH to another Chromium or Chrome.",
  ]);
  // Stopped before any test file ran.
  expect(output).not.toMatch(/Test Files|shell\.test\.ts/);
});
