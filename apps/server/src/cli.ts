// Operator commands: pnpm cli migrate | seed | api-key create --name N [--scope S] [--json] |
// api-key list | api-key revoke <id> | webhook add|list|remove|deliveries|secret. Uses
// DATABASE_PATH like the server.
import { parseArgs } from "node:util";
import { migrateWithApp } from "@agent-access/api";
import {
  type ApiKeyScope,
  createApiKey,
  listApiKeys,
  openDatabase,
  revokeApiKey,
} from "@agent-access/db";
import { app } from "./app.config.ts";
import { runWebhookCommand, WEBHOOK_USAGE } from "./cli-webhooks.ts";
import { DEVELOPMENT_PUBLIC_URL, type Env, EnvError, parseEnv } from "./env.ts";

const USAGE = `Usage: pnpm cli <command>

  migrate                         apply pending migrations
  seed                            add the app's development data to an empty database
  api-key create --name <name> [--scope tickets|read|erase|all]
                                  make a backend API key (shown once) that may mint tickets,
                                  read conversations and usage, erase, or all (the default);
                                  --json prints {"id","name","key","scope"} and nothing else
  api-key list                    list keys (prefix only, never the secret)
  api-key revoke <id>             revoke a key; requests with it then get 403, and the
                                  unused tickets and agent sessions it minted end
${WEBHOOK_USAGE}`;

const SCOPES: readonly ApiKeyScope[] = ["tickets", "read", "erase", "all"];

class UsageError extends Error {}

function formatTime(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString();
}

/**
 * Where the seeded app opens. The CLI serves nothing itself: without PUBLIC_URL (and outside
 * production) the app is Vite's under `pnpm dev` but the server's own port under `pnpm start`.
 */
function appUrl(env: Env): string {
  if (env.NODE_ENV === "production" || env.PUBLIC_URL !== DEVELOPMENT_PUBLIC_URL) {
    return env.PUBLIC_URL;
  }
  return `${DEVELOPMENT_PUBLIC_URL} (pnpm dev) or http://localhost:${env.PORT} (pnpm start)`;
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: "string" },
      scope: { type: "string", default: "all" },
      url: { type: "string" },
      events: { type: "string" },
      secret: { type: "string" },
      endpoint: { type: "string" },
      status: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  const env = parseEnv();
  const db = openDatabase(env.DATABASE_PATH);
  try {
    // "1, 3, 4" for the framework's migrations, "workspace-demo: 1" for an app's.
    const applied = Object.entries(migrateWithApp(db, app))
      .filter(([, versions]) => versions.length > 0)
      .map(([set, versions]) => `${set === "framework" ? "" : `${set}: `}${versions.join(", ")}`);
    if (command === "webhook") {
      runWebhookCommand(db, sub, arg, values, (message) => {
        throw new UsageError(message);
      });
      return;
    }
    switch (`${command} ${sub ?? ""}`.trim()) {
      case "migrate":
        console.log(applied.length ? `Applied migrations ${applied.join("; ")}.` : "Up to date.");
        return;
      case "seed":
        if (!app.seed) console.log("The app has no seed (app.config.ts); nothing to do.");
        else if (!(await app.seed({ db, appUrl: appUrl(env), log: console.log }))) {
          console.log("Already seeded; nothing to do.");
        }
        return;
      case "api-key create": {
        const name = values.name?.trim();
        if (!name) throw new UsageError("api-key create needs --name <name>");
        const scope = values.scope as ApiKeyScope;
        if (!SCOPES.includes(scope)) throw new UsageError(`--scope is ${SCOPES.join(", ")}`);
        const key = createApiKey(db, name, Date.now(), scope);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(key)}\n`);
        } else {
          console.log(
            `Created API key ${key.id} (${key.name}, scope ${key.scope}):\n\n  ${key.key}\n\nStore it now: it is not shown again.`,
          );
        }
        return;
      }
      case "api-key list": {
        const keys = listApiKeys(db);
        if (values.json) {
          process.stdout.write(`${JSON.stringify(keys)}\n`);
          return;
        }
        if (keys.length === 0) console.log("No API keys.");
        for (const key of keys) {
          const state =
            key.revoked_at === null ? "active" : `revoked ${formatTime(key.revoked_at)}`;
          console.log(
            `${key.id}  ${key.prefix}…  ${key.name}  scope ${key.scope}  created ${formatTime(key.created_at)}  last used ${formatTime(key.last_used_at)}  ${state}`,
          );
        }
        return;
      }
      case "api-key revoke": {
        if (!arg)
          throw new UsageError("api-key revoke needs the key id (see `pnpm cli api-key list`)");
        const ended = revokeApiKey(db, arg);
        if (!ended) throw new UsageError(`no API key with id ${arg}`);
        console.log(
          `Revoked ${arg}: ended ${ended.tickets} unused ticket(s) and ${ended.sessions} agent session(s) it minted.`,
        );
        return;
      }
      default:
        throw new UsageError(`unknown command: ${positionals.join(" ")}`);
    }
  } finally {
    db.close();
  }
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  if (
    error instanceof UsageError ||
    error instanceof EnvError ||
    (error instanceof TypeError && "code" in error)
  ) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  throw error;
}
