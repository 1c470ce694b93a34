import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase, sha256 } from "@agent-access/db";
import { describe, expect, it } from "vitest";

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
      timeout: 15_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  return { cli, databasePath };
}

describe("pnpm cli", () => {
  it("migrates a new database", () => {
    const { cli } = newCli();
    expect(cli("migrate")).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/Applied migrations 1/),
    });
    expect(cli("migrate")).toMatchObject({ status: 0, stdout: "Up to date.\n" });
  });

  it("creates, lists and revokes API keys, printing only JSON with --json", () => {
    const { cli, databasePath } = newCli();
    const created = cli("api-key", "create", "--name", "billing backend", "--json");
    expect(created.status).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; name: string; key: string };
    expect(Object.keys(key)).toEqual(["id", "name", "key"]);
    expect(key.name).toBe("billing backend");

    const db = openDatabase(databasePath);
    const row = db.prepare("SELECT prefix, secret_hash FROM api_key WHERE id = ?").get(key.id);
    db.close();
    expect(row).toEqual({ prefix: key.key.slice(0, 12), secret_hash: sha256(key.key) });

    const listed = cli("api-key", "list");
    expect(listed.stdout).toContain(key.id);
    expect(listed.stdout).not.toContain(key.key);
    expect(listed.stdout).toContain("active");

    expect(cli("api-key", "revoke", key.id)).toMatchObject({ status: 0 });
    expect(cli("api-key", "list").stdout).toMatch(/revoked \d{4}-/);
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

  it("seeds the demo data once", () => {
    const { cli } = newCli();
    const first = cli("seed");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/API key\s+aak_/);
    expect(cli("seed").stdout).toContain("Already seeded");
  });

  it("prints where the seeded app opens: PUBLIC_URL, else the address on PORT", () => {
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
  });
});
