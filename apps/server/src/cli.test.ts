import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closeDatabase, get, openDatabase, sha256 } from "@agent-access/db";
import { describe, expect, it } from "vitest";
import { app } from "./app.config.ts";

const cliPath = fileURLToPath(new URL("./cli.ts", import.meta.url));

/** The CLI on a database file of its own, so that no test sees another's migrations or keys. */
function newCli(env: Record<string, string> = {}) {
  const databasePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aa-cli-")), "cli.db");
  // As an operator's shell would run it: none of the test runner's NODE_ENV, PORT or PUBLIC_URL.
  const { NODE_ENV, PORT, PUBLIC_URL, ...inherited } = process.env;
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, ["--import", "tsx", cliPath, ...args], {
      env: { ...inherited, DATABASE_PATH: databasePath, ...env },
      encoding: "utf8",
      // Only against a CLI that hangs: the first start on a fresh clone compiles every module
      // (tsx's cache is empty), and under CI's parallel suites that took more than 15 s.
      timeout: 45_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return { cli, databasePath };
}

// Each test starts the CLI several times, a Node process each: on a busy machine that alone can
// take longer than the default 20 s, which says nothing about the CLI.
describe("pnpm cli", { timeout: 120_000 }, () => {
  it("migrates a new database", () => {
    const { cli } = newCli();
    expect(cli("migrate")).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/Applied migrations 1/),
    });
    expect(cli("migrate")).toMatchObject({ status: 0, stdout: "Up to date.\n" });
  });

  it("creates, lists and revokes API keys, printing only JSON with --json", async () => {
    const { cli, databasePath } = newCli();
    const created = cli("api-key", "create", "--name", "billing backend", "--json");
    expect(created.status).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; name: string; key: string };
    expect(Object.keys(key)).toEqual(["id", "name", "key", "scope"]);
    expect(key).toMatchObject({ name: "billing backend", scope: "all" });

    const db = openDatabase(databasePath);
    const row = await get(db, "SELECT prefix, secret_hash FROM api_key WHERE id = ?", [key.id]);
    await closeDatabase(db);
    expect(row).toEqual({ prefix: key.key.slice(0, 12), secret_hash: sha256(key.key) });

    const listed = cli("api-key", "list");
    expect(listed.stdout).toContain(key.id);
    expect(listed.stdout).not.toContain(key.key);
    expect(listed.stdout).toContain("active");

    expect(cli("api-key", "revoke", key.id)).toMatchObject({ status: 0 });
    expect(cli("api-key", "list").stdout).toMatch(/revoked \d{4}-/);
  });

  it("creates keys of a scope, and refuses a scope that does not exist", () => {
    const { cli } = newCli();
    const created = cli("api-key", "create", "--name", "reader", "--scope", "read", "--json");
    const key = JSON.parse(created.stdout) as { id: string; scope: string };
    expect(key.scope).toBe("read");
    expect(cli("api-key", "list").stdout).toMatch(new RegExp(`${key.id} .* scope read`));
    expect(cli("api-key", "create", "--name", "x", "--scope", "root")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--scope is tickets, read, erase, all"),
    });
  });

  it("adds, lists and removes webhook endpoints", () => {
    const { cli } = newCli();
    const added = cli(
      "webhook",
      "add",
      "--url",
      "https://hooks.example.com/aa",
      "--events",
      "run.finished,context.deleted",
      "--json",
    );
    expect(added.status).toBe(0);
    const endpoint = JSON.parse(added.stdout) as { id: string; secret: string; events: string[] };
    expect(endpoint).toMatchObject({
      id: expect.stringMatching(/^whe_/),
      secret: expect.stringMatching(/^whsec_/),
      events: ["run.finished", "context.deleted"],
    });
    const listed = cli("webhook", "list");
    expect(listed.stdout).toContain(
      `${endpoint.id}  https://hooks.example.com/aa  run.finished,context.deleted  (cli)  active`,
    );
    expect(listed.stdout).not.toContain(endpoint.secret);
    expect(cli("webhook", "remove", endpoint.id)).toMatchObject({ status: 0 });
    expect(cli("webhook", "list").stdout).toBe("No webhook endpoints.\n");
    expect(cli("webhook", "remove", endpoint.id).status).toBe(2);
  });

  it("shows webhook deliveries, makes secrets and refuses bad webhook options", () => {
    const { cli } = newCli();
    expect(cli("webhook", "deliveries")).toMatchObject({ status: 0, stdout: "No deliveries.\n" });
    expect(cli("webhook", "deliveries", "--status", "lost").status).toBe(2);
    expect(cli("webhook", "secret").stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=\n$/);
    expect(cli("webhook", "add", "--url", "ftp://x", "--json").status).toBe(2);
    expect(
      cli("webhook", "add", "--url", "https://x.example", "--events", "run.started"),
    ).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("--events takes"),
    });
  });

  it("refuses bad usage with exit code 2 and the reason", () => {
    const { cli } = newCli();
    expect(cli("api-key", "create")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("needs --name"),
    });
    expect(cli("api-key", "revoke", "key_nope")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("no API key"),
    });
    expect(cli("frobnicate")).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("unknown command"),
    });
  });

  // The seed is the app's (app.config.ts): the workspace demo's prints its sign-in and a key.
  it.runIf(app.seed)("runs the app's seed once", () => {
    const { cli } = newCli();
    const first = cli("seed");
    expect(first.status).toBe(0);
    expect(first.stdout).not.toContain("Already seeded");
    expect(cli("seed").stdout).toContain("Already seeded");
  });

  it.skipIf(app.seed)("says so when the app has no seed", () => {
    expect(newCli().cli("seed")).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("no seed"),
    });
  });

  // The app's seed prints the address it was given (the demo's, its "app" line).
  it.runIf(app.seed)(
    "gives the seed where the app opens: PUBLIC_URL, else the address on PORT",
    () => {
      const appLine = (env: Record<string, string>) =>
        newCli(env)
          .cli("seed")
          .stdout.match(/^ {2}app +(.*)$/m)?.[1];
      expect(appLine({ PUBLIC_URL: "https://agents.example.com/" })).toBe(
        "https://agents.example.com",
      );
      expect(appLine({ NODE_ENV: "production", PORT: "4123" })).toBe("http://localhost:4123");
      expect(appLine({ PORT: "4123" })).toBe(
        "http://localhost:5173 (pnpm dev) or http://localhost:4123 (pnpm start)",
      );
    },
  );
});
