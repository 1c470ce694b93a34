// Starts the server: validates the environment and the model settings, migrates the database
// and the app's tables (and runs the app's seed in development), marks runs a crash left running
// as interrupted, listens, delivers webhooks, and on SIGTERM/SIGINT closes HTTP first, then the
// run engine, then the webhook dispatcher, then the database.
import fs from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import {
  createAgentRuntime,
  databaseAttachmentStore,
  folderAttachmentStore,
  ModelConfigError,
  resolveModel,
} from "@agent-access/agents";
import { AgentLimits, DEFAULT_CONTEXT_GROUP_PATTERN, migrateWithApp } from "@agent-access/api";
import { createAuth } from "@agent-access/auth";
import { closeDatabase, pruneLimits, syncEnvWebhookEndpoint } from "@agent-access/db";
import { agentRegistryOf, groupErasureOf } from "./agents.ts";
import { app as appDefinition } from "./app.config.ts";
import { createAppServer } from "./app.ts";
import { DatabaseStartError, openServerDatabase } from "./database.ts";
import { EnvError, parseEnv } from "./env.ts";
import { tuneHttpServer } from "./http-server.ts";
import { recordWebhookEvents, WEBHOOK_EVENT_TYPES, WebhookDispatcher } from "./webhooks/index.ts";

function loadEnv() {
  try {
    return parseEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

async function openDatabase() {
  try {
    return (await openServerDatabase(env, (opened) => migrateWithApp(opened, appDefinition))).db;
  } catch (error) {
    if (!(error instanceof DatabaseStartError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

function loadModel() {
  try {
    return resolveModel({
      model: env.AGENT_MODEL,
      baseUrl: env.AGENT_BASE_URL,
      apiKey: env.AGENT_API_KEY,
    });
  } catch (error) {
    if (!(error instanceof ModelConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

function loadAgents() {
  try {
    return agentRegistryOf(env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const env = loadEnv();
const model = loadModel();
const agents = loadAgents();
const production = env.NODE_ENV === "production";
const db = await openDatabase();
if (!production) await appDefinition.seed?.({ db, appUrl: env.PUBLIC_URL, log: console.log });

const webRoot = fileURLToPath(new URL("../../web/dist/", import.meta.url));
if (production && !fs.existsSync(`${webRoot}/index.html`)) {
  console.error("The web app is not built: run `pnpm build` before `pnpm start`.");
  process.exit(1);
}

// Webhook events are queued with the changes they report and delivered in the background.
await syncEnvWebhookEndpoint(
  db,
  env.WEBHOOK_URL ? { url: env.WEBHOOK_URL, events: WEBHOOK_EVENT_TYPES } : null,
);
const webhooks = new WebhookDispatcher({ db, envSecret: env.WEBHOOK_SECRET ?? null });
const runtime = createAgentRuntime({
  db,
  agents,
  model,
  attachments: {
    store: env.ATTACHMENTS_DIR
      ? folderAttachmentStore(env.ATTACHMENTS_DIR)
      : databaseAttachmentStore(db),
    maxFileBytes: env.ATTACHMENT_MAX_BYTES,
    groupQuotaBytes: env.ATTACHMENT_GROUP_QUOTA_BYTES,
  },
  maxOutputTokens: env.AGENT_MAX_OUTPUT_TOKENS,
  onCommit: recordWebhookEvents({ onQueued: () => webhooks.wake() }),
});
// Also sweeps attached files never sent within the grace period (and again every 10 minutes).
// On PostgreSQL only runs whose lease lapsed are interrupted here: other instances drive theirs.
// Beside it, from its creation, the runtime's heartbeat renews the leases of the runs this
// instance drives and marks runs of dead instances interrupted (within a lease and a beat:
// about 13 s).
const { interruptedRunIds } = await runtime.recover();
if (interruptedRunIds.length > 0) {
  console.log(
    `Marked ${interruptedRunIds.length} run(s) left unfinished by a crash as interrupted.`,
  );
}

const auth = createAuth({ db, publicUrl: env.PUBLIC_URL });
const { listener } = createAppServer({
  db,
  config: {
    publicUrl: env.PUBLIC_URL,
    contextGroupPattern:
      env.CONTEXT_GROUP_PATTERN ??
      appDefinition.contextGroups?.pattern ??
      DEFAULT_CONTEXT_GROUP_PATTERN,
    // The app's description goes with the app's pattern only, not with one from the environment.
    contextGroupDescription:
      env.CONTEXT_GROUP_DESCRIPTION ??
      (env.CONTEXT_GROUP_PATTERN ? undefined : appDefinition.contextGroups?.description),
    frameAncestors: env.FRAME_ANCESTORS,
  },
  agents,
  runtime,
  auth,
  limits: new AgentLimits(db, {
    runsPerSession: env.LIMIT_SESSION_RUNS,
    runsPerGroup: env.LIMIT_GROUP_RUNS,
    streamsPerSession: env.LIMIT_SESSION_STREAMS,
    streamsPerGroup: env.LIMIT_GROUP_STREAMS,
    contextsPerMinutePerSession: env.LIMIT_SESSION_CONTEXTS_PER_MINUTE,
    contextsPerMinutePerGroup: env.LIMIT_GROUP_CONTEXTS_PER_MINUTE,
    messagesPerMinutePerSession: env.LIMIT_SESSION_MESSAGES_PER_MINUTE,
    messagesPerMinutePerGroup: env.LIMIT_GROUP_MESSAGES_PER_MINUTE,
  }),
  trustProxy: env.TRUST_PROXY,
  webRoot: production ? webRoot : null,
  attachmentMaxFileBytes: env.ATTACHMENT_MAX_BYTES,
  // A group's erasure also removes what app parts keep outside the database (the demo's notes).
  onGroupErased: groupErasureOf(env),
});

// Expired sign-in sessions are refused anyway; this only keeps the table small.
await auth.deleteExpiredSessions();
const sweep = setInterval(() => void auth.deleteExpiredSessions(), 60 * 60_000);
sweep.unref();
// The shared limits' rows that limit nothing any more, and a bound on the rest (PostgreSQL; on
// SQLite the limits count in memory and the tables stay empty). Every instance may run it.
const limitSweep = setInterval(
  () => void pruneLimits(db, Date.now()).catch((error) => console.error(error)),
  60_000,
);
limitSweep.unref();
const fileSweep = setInterval(
  () => void runtime.sweepAttachments().catch((error) => console.error(error)),
  10 * 60_000,
);
fileSweep.unref();

webhooks.start();

const server = createServer(listener);
tuneHttpServer(server);
server.listen(env.PORT, env.HOST, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  console.log(`Agent Access server listening on http://${env.HOST}:${port}`);
  console.log(`Open ${env.PUBLIC_URL}`);
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  console.log(`${signal}: closing HTTP, then the run engine, then the database`);
  clearInterval(sweep);
  clearInterval(limitSweep);
  clearInterval(fileSweep);
  const closed = new Promise((resolve) => server.close(resolve));
  if ("closeIdleConnections" in server) server.closeIdleConnections();
  // Running replies are recorded as interrupted with their text so far, leases are released and
  // event streams end.
  await runtime.close();
  // Requests still open get a moment to finish, then are cut.
  setTimeout(() => {
    if ("closeAllConnections" in server) server.closeAllConnections();
  }, 2000).unref();
  await closed;
  await webhooks.close();
  await closeDatabase(db);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
