import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.ts";

describe("parseEnv", () => {
  it("gives the documented defaults", () => {
    expect(parseEnv({})).toMatchObject({
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      PORT: 3000,
      DATABASE_PATH: "./data/agent-access.db",
      PUBLIC_URL: "http://localhost:5173",
      AGENT_MODEL: "builtin",
      TRUST_PROXY: false,
      ATTACHMENT_MAX_BYTES: 10 * 1024 * 1024,
      ATTACHMENT_GROUP_QUOTA_BYTES: 500 * 1024 * 1024,
    });
    expect(parseEnv({}).ATTACHMENTS_DIR).toBeUndefined();
    expect(parseEnv({ ATTACHMENT_MAX_BYTES: "2048" }).ATTACHMENT_MAX_BYTES).toBe(2048);
    expect(parseEnv({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(true);
    expect(parseEnv({}).DATABASE_PREPARED_STATEMENTS).toBeUndefined();
    expect(parseEnv({ DATABASE_PREPARED_STATEMENTS: "0" }).DATABASE_PREPARED_STATEMENTS).toBe(
      false,
    );
    expect(
      parseEnv({ CONTEXT_GROUP_PATTERN: "team-\\d+", CONTEXT_GROUP_DESCRIPTION: " team-<n> " }),
    ).toMatchObject({
      CONTEXT_GROUP_PATTERN: /^(?:team-\d+)$/,
      CONTEXT_GROUP_DESCRIPTION: "team-<n>",
    });
    expect(parseEnv({ NODE_ENV: "production", PORT: "8080" })).toMatchObject({
      HOST: "0.0.0.0",
      PUBLIC_URL: "http://localhost:8080",
    });
  });

  it.each([
    [{ PORT: "eighty" }, /PORT: .*\(got "eighty"\)/],
    [{ PORT: "70000" }, /PORT/],
    [{ NODE_ENV: "staging" }, /NODE_ENV/],
    [{ PUBLIC_URL: "not a url" }, /PUBLIC_URL/],
    [{ PUBLIC_URL: "ftp://example.com" }, /PUBLIC_URL/],
    [{ TRUST_PROXY: "yes" }, /TRUST_PROXY: must be true or false/],
    [{ DATABASE_PREPARED_STATEMENTS: "on" }, /DATABASE_PREPARED_STATEMENTS: must be true or/],
    [{ AGENT_MODEL: "gpt-4" }, /AGENT_MODEL: must be builtin, openai:<model>/],
    [{ AGENT_MODEL: "openai-compatible:llama3" }, /AGENT_BASE_URL: is required/],
    [{ AGENT_MODEL: "openai:gpt-4o-mini" }, /AGENT_API_KEY: is required/],
    [{ CONTEXT_GROUP_PATTERN: "team-(" }, /CONTEXT_GROUP_PATTERN: must be a valid regular/],
    [{ CONTEXT_GROUP_DESCRIPTION: "team-<n>" }, /CONTEXT_GROUP_DESCRIPTION: describes/],
    [{ ATTACHMENT_MAX_BYTES: "ten" }, /ATTACHMENT_MAX_BYTES: must be a number of bytes/],
    [{ ATTACHMENT_MAX_BYTES: "0" }, /ATTACHMENT_MAX_BYTES: must be at least 1 byte/],
    [{ ATTACHMENT_MAX_BYTES: "1.5" }, /ATTACHMENT_MAX_BYTES: must be a whole number/],
    [{ ATTACHMENT_MAX_BYTES: "104857601" }, /ATTACHMENT_MAX_BYTES: must be at most/],
    [{ ATTACHMENT_GROUP_QUOTA_BYTES: "-1" }, /ATTACHMENT_GROUP_QUOTA_BYTES: must be at least/],
    [{ WEBHOOK_URL: "https://hooks.example.com/aa" }, /WEBHOOK_SECRET: is required/],
    [{ WEBHOOK_SECRET: `whsec_${"A".repeat(32)}` }, /WEBHOOK_URL: is required/],
    [
      { WEBHOOK_URL: "ftp://hooks.example.com", WEBHOOK_SECRET: `whsec_${"A".repeat(32)}` },
      /WEBHOOK_URL/,
    ],
  ])("refuses %j, naming the variable", (source, message) => {
    expect(() => parseEnv(source)).toThrow(message);
  });

  it("takes FRAME_ANCESTORS as exact origins, none by default", () => {
    expect(parseEnv({}).FRAME_ANCESTORS).toEqual([]);
    expect(
      parseEnv({
        FRAME_ANCESTORS:
          "https://app.example.com, https://admin.example.com:8443/ http://localhost:5173",
      }).FRAME_ANCESTORS,
    ).toEqual([
      "https://app.example.com",
      "https://admin.example.com:8443",
      "http://localhost:5173",
    ]);
    expect(parseEnv({ FRAME_ANCESTORS: "http://127.0.0.1:4000" }).FRAME_ANCESTORS).toEqual([
      "http://127.0.0.1:4000",
    ]);
  });

  it.each([
    ["http://app.example.com", /FRAME_ANCESTORS: "http:\/\/app.example.com" must use https/],
    ["https://app.example.com/embed", /FRAME_ANCESTORS: .* must be an origin alone/],
    ["https://*.example.com", /FRAME_ANCESTORS: .*(not an origin|must be an origin alone)/],
    ["'self'", /FRAME_ANCESTORS: "'self'" is not an origin/],
    ["*", /FRAME_ANCESTORS: "\*" is not an origin/],
    ["https://app.example.com?x=1", /FRAME_ANCESTORS: .* must be an origin alone/],
    ["javascript:alert(1)", /FRAME_ANCESTORS: .* must use https/],
    [
      Array.from({ length: 33 }, (_, i) => `https://a${i}.example.com`).join(","),
      /FRAME_ANCESTORS: lists more than 32 origins/,
    ],
  ])("refuses FRAME_ANCESTORS=%s, saying why", (value, message) => {
    expect(() => parseEnv({ FRAME_ANCESTORS: value })).toThrow(message);
  });

  it("takes a webhook endpoint with a Standard Webhooks secret, never echoing a bad secret", () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    expect(
      parseEnv({ WEBHOOK_URL: "https://hooks.example.com/aa", WEBHOOK_SECRET: secret }),
    ).toMatchObject({
      WEBHOOK_URL: "https://hooks.example.com/aa",
      WEBHOOK_SECRET: secret,
    });
    for (const bad of ["whsec_short", "not-whsec", `whsec_${"A".repeat(200)}`]) {
      const error = (() => {
        try {
          parseEnv({ WEBHOOK_URL: "https://hooks.example.com/aa", WEBHOOK_SECRET: bad });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error?.message).toMatch(/WEBHOOK_SECRET: must be whsec_/);
      expect(error?.message).not.toContain(bad);
    }
  });

  it("stops the server at start-up with the variable's name and exit code 1", () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const result = spawnSync(process.execPath, ["--import", "tsx", main], {
      env: { ...process.env, PORT: "not-a-port", DATABASE_PATH: ":memory:" },
      encoding: "utf8",
      timeout: 15_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid environment");
    expect(result.stderr).toMatch(/PORT: .*"not-a-port"/);
  });

  it("validates DATABASE_URL and its pool settings, never repeating the URL", () => {
    const secret = "postgres://app:s3cret-pw@db.internal:5432/app";
    expect(parseEnv({ DATABASE_URL: secret })).toMatchObject({
      DATABASE_URL: secret,
      DATABASE_POOL_SIZE: 10,
    });
    expect(parseEnv({ DATABASE_URL: secret, DATABASE_POOL_SIZE: "25" }).DATABASE_POOL_SIZE).toBe(
      25,
    );
    for (const bad of ["mysql://app:s3cret-pw@db/app", "postgres://", "s3cret-pw"]) {
      const error = (() => {
        try {
          parseEnv({ DATABASE_URL: bad });
        } catch (caught) {
          return caught as Error;
        }
      })();
      expect(error?.message).toMatch(/DATABASE_URL: must be a postgres:\/\//);
      expect(error?.message).not.toContain("s3cret-pw");
    }
    expect(() => parseEnv({ DATABASE_DIRECT_URL: secret })).toThrow(
      /DATABASE_DIRECT_URL: is the direct connection to DATABASE_URL's database/,
    );
    expect(() => parseEnv({ DATABASE_URL: secret, DATABASE_POOL_SIZE: "0" })).toThrow(
      /DATABASE_POOL_SIZE/,
    );
  });

  it("stops at start-up when DATABASE_URL cannot be reached, naming it without the password", () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    // Port 1 on this machine: nothing listens, so the connection is refused at once.
    const result = spawnSync(process.execPath, ["--import", "tsx", main], {
      env: {
        ...process.env,
        PORT: "0",
        DATABASE_URL: "postgres://app:s3cret-pw@127.0.0.1:1/app",
      },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^DATABASE_URL: cannot reach PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/app/m,
    );
    expect(result.stderr + result.stdout).not.toContain("s3cret-pw");
  });
});
