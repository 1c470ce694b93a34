// The server's configuration, read from the environment once and validated. Nothing else in the
// server reads process.env. A bad value stops start-up with a message naming the variable.

import { type McpConfigFile, readMcpConfigFile } from "@agent-access/agents";
import { assertLinearPattern } from "@agent-access/api";
import { z } from "zod";
import { frameAncestorsSchema } from "./frame-ancestors.ts";

const MODEL = /^(builtin|(openai|anthropic|openai-compatible):\S+)$/;

/** A limit: a whole number from 1 up, unset for the documented default. */
const limit = z.coerce.number().int().min(1).max(1_000_000).optional();
/** A Standard Webhooks secret: whsec_ and the base64 of 24 to 64 bytes. */
export function isWebhookSecret(value: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match) return false;
  const bytes = Buffer.from(match[1]!, "base64").length;
  return bytes >= 24 && bytes <= 64;
}

/** A postgres:// URL with a host (its password, if any, is never repeated in messages). */
function postgresUrl() {
  return z.string().refine((value) => {
    try {
      const url = new URL(value);
      return /^postgres(ql)?:$/.test(url.protocol) && url.hostname !== "";
    } catch {
      return false;
    }
  }, "must be a postgres://user:password@host:port/database URL");
}

const schema = z
  .object({
    /** "production" serves the built web app and skips the demo seed. Default "development". */
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Interface to listen on. Default 127.0.0.1 in development, 0.0.0.0 in production. */
    HOST: z.string().min(1).optional(),
    /** Port to listen on; 0 picks a free one. Default 3000. */
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** The SQLite file, created with its folder if missing. Default ./data/agent-access.db. */
    DATABASE_PATH: z.string().min(1).default("./data/agent-access.db"),
    /**
     * postgres://user:password@host:port/database runs the server on PostgreSQL (several
     * instances may share it); unset, SQLite at DATABASE_PATH. May point at a transaction-mode
     * pooler (PgBouncer).
     */
    DATABASE_URL: postgresUrl().optional(),
    /**
     * PostgreSQL: a direct connection (not through a transaction-mode pooler) for LISTEN, which
     * needs a session. Default DATABASE_URL.
     */
    DATABASE_DIRECT_URL: postgresUrl().optional(),
    /** PostgreSQL: connections each instance keeps in its pool. Default 10. */
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
    /**
     * PostgreSQL: how long a query waits for one of the pool's connections, in ms; past it the
     * request answers 503 with Retry-After and writes nothing. Default 5000.
     */
    DATABASE_POOL_WAIT_MS: z.coerce.number().int().min(1).max(600_000).default(5000),
    /**
     * PostgreSQL: "true" keeps each statement prepared on the pool's connections (parsed once
     * per connection, its plan reused); "false" sends every one unnamed, for a transaction-mode
     * pooler that does not keep prepared statements. Default: true without DATABASE_DIRECT_URL
     * (no pooler in front), false with it.
     */
    DATABASE_PREPARED_STATEMENTS: z
      .enum(["true", "false", "1", "0"], "must be true or false")
      .optional()
      .transform((value) => (value === undefined ? undefined : value === "true" || value === "1")),
    /**
     * The origin users open, used for links (vanity URLs) and the same-origin check. Default
     * http://localhost:5173 (Vite) in development, http://localhost:<PORT> in production.
     */
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * Origins that may show the vanity page in a frame, separated by commas or spaces, such as
     * "https://app.example.com". Setting any makes the agent session cookie partitioned
     * (`SameSite=None; Secure; Partitioned`) so that it works in their cross-site frame. Default
     * none: the page may be framed by its own origin only.
     */
    FRAME_ANCESTORS: frameAncestorsSchema,
    /**
     * "true" when exactly one reverse proxy stands in front: rate limits then count clients by
     * the last X-Forwarded-For entry. Default "false": by the socket's address, since anyone can
     * send X-Forwarded-For.
     */
    TRUST_PROXY: z
      .enum(["true", "false", "1", "0"], "must be true or false")
      .default("false")
      .transform((value) => value === "true" || value === "1"),
    /**
     * The format static context groups must match, as a regular expression in RE2's syntax
     * (matched against the whole group, in linear time; no backreferences or lookarounds).
     * Default: `segment:value` pairs such as workspace:42:user:7.
     */
    CONTEXT_GROUP_PATTERN: z
      .string()
      .transform((source, ctx) => {
        let pattern: RegExp;
        try {
          pattern = new RegExp(source);
        } catch {
          ctx.addIssue({ code: "custom", message: "must be a valid regular expression" });
          return z.NEVER;
        }
        try {
          // Matched by RE2 in linear time: refuse now what RE2 cannot run.
          assertLinearPattern(pattern);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: `is not usable: ${(error as Error).message}` });
          return z.NEVER;
        }
        return pattern;
      })
      .optional(),
    /**
     * CONTEXT_GROUP_PATTERN in words, quoted to a backend whose group does not match (e.g.
     * "team-<number>"). Default: the pattern itself.
     */
    CONTEXT_GROUP_DESCRIPTION: z.string().trim().min(1).max(200).optional(),
    /** Model of the agents: builtin | openai:<model> | anthropic:<model> | openai-compatible:<model>. */
    AGENT_MODEL: z
      .string()
      .regex(
        MODEL,
        "must be builtin, openai:<model>, anthropic:<model> or openai-compatible:<model>",
      )
      .default("builtin"),
    /** Base URL of an OpenAI-compatible API (Ollama, vLLM, LM Studio); required for that provider. */
    AGENT_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** API key of the model provider. */
    AGENT_API_KEY: z.string().min(1).optional(),
    /** The longest reply of one model step, in tokens, for agents that set none. Default 4096. */
    AGENT_MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).max(1_000_000).optional(),
    /** Replies in progress at once, per agent session. Default 3. */
    LIMIT_SESSION_RUNS: limit,
    /** Replies in progress at once, per context group. Default 10. */
    LIMIT_GROUP_RUNS: limit,
    /** Open event streams, per agent session. Default 10. */
    LIMIT_SESSION_STREAMS: limit,
    /** Open event streams, per context group. Default 50. */
    LIMIT_GROUP_STREAMS: limit,
    /** New conversations per minute, per agent session. Default 20. */
    LIMIT_SESSION_CONTEXTS_PER_MINUTE: limit,
    /** New conversations per minute, per context group. Default 60. */
    LIMIT_GROUP_CONTEXTS_PER_MINUTE: limit,
    /** Messages sent per minute, per agent session. Default 20. */
    LIMIT_SESSION_MESSAGES_PER_MINUTE: limit,
    /** Messages sent per minute, per context group. Default 60. */
    LIMIT_GROUP_MESSAGES_PER_MINUTE: limit,
    /**
     * Largest attached file, in bytes: 1 to 100 MB. Default 10 MB (10485760). An upload of ten
     * such files is the largest body the upload route reads.
     */
    ATTACHMENT_MAX_BYTES: z.coerce
      .number("must be a number of bytes")
      .int("must be a whole number of bytes")
      .min(1, "must be at least 1 byte")
      .max(100 * 1024 * 1024, "must be at most 104857600 (100 MB)")
      .default(10 * 1024 * 1024),
    /** Bytes of attachments one context group may hold. Default 500 MB (524288000). */
    ATTACHMENT_GROUP_QUOTA_BYTES: z.coerce
      .number("must be a number of bytes")
      .int("must be a whole number of bytes")
      .min(1, "must be at least 1 byte")
      .default(500 * 1024 * 1024),
    /**
     * A folder to keep attached files in, one file per attachment (created if missing). Default:
     * none, the files are kept in the database.
     */
    ATTACHMENTS_DIR: z.string().min(1).optional(),
    /**
     * A JSON file of MCP servers to add to agents, by agent id (format: packages/agents/README.md,
     * "MCP servers"). Read and validated at start. Default none.
     */
    AGENT_MCP_CONFIG: z
      .string()
      .transform((file, ctx): McpConfigFile => {
        try {
          return readMcpConfigFile(file);
        } catch (error) {
          ctx.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    /**
     * Where the demo assistant's notes MCP server keeps one file per context group; "off" leaves
     * the notes out. Default: a "notes" folder beside DATABASE_PATH.
     */
    AGENT_NOTES_DIR: z.string().min(1).optional(),
    /**
     * Where the host's webhook events go (all five kinds), signed with WEBHOOK_SECRET. Default
     * none; more endpoints can be added with `pnpm cli webhook add`.
     */
    WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The Standard Webhooks secret of WEBHOOK_URL: whsec_ then base64 of 24 to 64 bytes. */
    WEBHOOK_SECRET: z
      .string()
      .refine(isWebhookSecret, "must be whsec_ followed by base64 of 24 to 64 random bytes")
      .optional(),
  })
  .superRefine((env, ctx) => {
    if (env.CONTEXT_GROUP_DESCRIPTION && !env.CONTEXT_GROUP_PATTERN) {
      ctx.addIssue({
        code: "custom",
        path: ["CONTEXT_GROUP_DESCRIPTION"],
        message: "describes CONTEXT_GROUP_PATTERN: set that too, or leave this out",
      });
    }
    if (env.AGENT_MODEL.startsWith("openai-compatible:") && !env.AGENT_BASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["AGENT_BASE_URL"],
        message:
          "is required when AGENT_MODEL is openai-compatible:<model> (e.g. http://localhost:11434/v1)",
      });
    }
    if (env.DATABASE_DIRECT_URL && !env.DATABASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_DIRECT_URL"],
        message: "is the direct connection to DATABASE_URL's database: set that too",
      });
    }
    if (env.WEBHOOK_URL && !env.WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_SECRET"],
        message: "is required when WEBHOOK_URL is set (pnpm cli webhook secret makes one)",
      });
    }
    if (env.WEBHOOK_SECRET && !env.WEBHOOK_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOK_URL"],
        message: "is required when WEBHOOK_SECRET is set",
      });
    }
    if (/^(openai|anthropic):/.test(env.AGENT_MODEL) && !env.AGENT_API_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["AGENT_API_KEY"],
        message: `is required when AGENT_MODEL is ${env.AGENT_MODEL.split(":")[0]}:<model>`,
      });
    }
  });

/** The app's address in development: Vite's port (apps/web/vite.config.ts). */
export const DEVELOPMENT_PUBLIC_URL = "http://localhost:5173";

export type Env = Omit<z.output<typeof schema>, "HOST" | "PUBLIC_URL"> & {
  HOST: string;
  PUBLIC_URL: string;
};

// Values never repeated into messages: secrets, and URLs that may carry a password.
const SECRET_VARIABLES = new Set([
  "AGENT_API_KEY",
  "WEBHOOK_SECRET",
  "DATABASE_URL",
  "DATABASE_DIRECT_URL",
]);

export class EnvError extends Error {
  override name = "EnvError";
}

/** Validates `source` (process.env by default); throws EnvError naming every bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty variable means "not set", as a line `PORT=` in a shell or .env file intends.
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ""));
  const result = schema.safeParse(given);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      // A secret's value is never repeated into logs, even a malformed one.
      const value = SECRET_VARIABLES.has(name) ? undefined : given[name];
      return `  ${name}: ${issue.message}${value === undefined ? "" : ` (got ${JSON.stringify(value)})`}`;
    });
    throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
  }
  const env = result.data;
  const production = env.NODE_ENV === "production";
  return {
    ...env,
    HOST: env.HOST ?? (production ? "0.0.0.0" : "127.0.0.1"),
    PUBLIC_URL: new URL(
      env.PUBLIC_URL ?? (production ? `http://localhost:${env.PORT}` : DEVELOPMENT_PUBLIC_URL),
    ).origin,
  };
}
