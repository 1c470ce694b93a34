// The host's webhooks end to end: the run engine's changes queue events in the outbox in the
// same transaction, the dispatcher delivers them to a real local receiver, signed per Standard
// Webhooks, in order per context, retried after failures and across a restart.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createAgentRuntime, createBuiltinModel } from "@agent-access/agents";
import {
  addWebhookEndpoint,
  closeDatabase,
  createApiKey,
  type Db,
  enqueueWebhookEvent,
  listWebhookDeliveries,
  migrate,
  openDatabase,
  syncEnvWebhookEndpoint,
  transaction,
  value,
} from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { testAgents } from "../../test/agents.ts";
import { dumpDatabase, startTestServer, type TestServer } from "../../test/harness.ts";
import { converse, scopeOf } from "../../test/host.ts";
import { type Receiver, startReceiver } from "../../test/receiver.ts";
import { WebhookDispatcher } from "./dispatcher.ts";
import { recordWebhookEvents, WEBHOOK_EVENT_TYPES } from "./events.ts";

const SECRET = `whsec_${Buffer.alloc(32, 1).toString("base64")}`;
const FAST = { pollMs: 20, retryDelaysMs: [30] };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<Receiver> {
  const started = await startReceiver();
  cleanups.push(() => started.close());
  return started;
}

async function serverWith(
  hooks: Receiver,
  options: Parameters<typeof startTestServer>[0] = {},
): Promise<TestServer> {
  const server = await startTestServer({ webhooks: FAST, ...options });
  cleanups.push(() => server.close());
  await addWebhookEndpoint(server.db, {
    url: hooks.url,
    secret: SECRET,
    events: WEBHOOK_EVENT_TYPES,
  });
  return server;
}

function verified(hook: Receiver["received"][number]): unknown {
  return new Webhook(SECRET).verify(hook.body, hook.headers);
}

async function deliveries(db: Db) {
  return (await listWebhookDeliveries(db, { limit: 100 })).reverse();
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("webhooks", () => {
  it("sends each kind of event, signed per Standard Webhooks, with status and usage", async () => {
    const hooks = await receiver();
    const server = await serverWith(hooks);
    const group = "workspace:1:user:hooks";
    const done = await converse(server, scopeOf(group), "hello");
    const approval = await converse(server, scopeOf(group), "retry failed deliveries");
    const question = await converse(server, scopeOf(group), "ask the user a question");
    await server.runtime.deleteContext(scopeOf(group), done.contextId);

    const received = await hooks.waitFor(7);
    for (const hook of received) {
      expect(verified(hook)).toEqual(hook.event);
      expect(hook.headers["webhook-id"]).toMatch(/^msg_/);
      expect(hook.headers["content-type"]).toBe("application/json");
    }
    const byContext = (id: string) =>
      received.filter((hook) => hook.event.data.context_id === id).map((hook) => hook.event);
    const finished = done.events.at(-1)!.event;
    if (finished.type !== "run.finished") throw new Error("the run did not finish");
    expect(byContext(done.contextId)).toEqual([
      expect.objectContaining({ type: "context.created" }),
      {
        type: "run.finished",
        timestamp: expect.any(String),
        data: {
          context_id: done.contextId,
          context_group: group,
          agent_id: "test-assistant",
          run_id: finished.runId,
          status: "completed",
          usage: {
            input_tokens: finished.usage.inputTokens,
            output_tokens: finished.usage.outputTokens,
            total_tokens: finished.usage.totalTokens,
          },
        },
      },
      expect.objectContaining({ type: "context.deleted" }),
    ]);
    expect(byContext(approval.contextId).map((event) => event.type)).toEqual([
      "context.created",
      "approval.requested",
    ]);
    expect(byContext(approval.contextId)[1]!.data).toMatchObject({
      tool_name: "retryFailedDeliveries",
      tool_call_id: expect.any(String),
    });
    expect(byContext(question.contextId).map((event) => event.type)).toEqual([
      "context.created",
      "input.requested",
    ]);
    // Nothing users or models wrote leaves in a webhook.
    expect(JSON.stringify(received.map((hook) => hook.event))).not.toMatch(/hello|retry failed/);
  });

  it("tells of conversations erased through the host API, after what came before", async () => {
    const hooks = await receiver();
    const server = await serverWith(hooks);
    const key = (await createApiKey(server.db, "erase", Date.now(), "erase")).key;
    const group = "workspace:8:user:erased";
    const kept = await converse(server, scopeOf(group), "hello");
    const gone = await converse(server, scopeOf(group), "hello");
    await server.runtime.deleteContext(scopeOf(group), gone.contextId);
    const erase = await fetch(`${server.url}/v1/context-groups/${group}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(erase.status).toBe(200);
    const received = await hooks.waitFor(6);
    const types = (contextId: string) =>
      received.filter((hook) => hook.event.data.context_id === contextId).map((h) => h.event.type);
    // One context.deleted each: the one its user deleted is not announced twice.
    expect(types(kept.contextId)).toEqual(["context.created", "run.finished", "context.deleted"]);
    expect(types(gone.contextId)).toEqual(["context.created", "run.finished", "context.deleted"]);
  });

  it("retries after 500s with the same webhook-id and keeps each context's order", async () => {
    const hooks = await receiver();
    hooks.answers.push(500, 500);
    const server = await serverWith(hooks);
    const first = await converse(server, scopeOf("workspace:2:user:a"), "hello");
    const second = await converse(server, scopeOf("workspace:2:user:b"), "hello");
    await until(
      async () => (await deliveries(server.db)).every((row) => row.status === "delivered"),
      "every delivery",
    );
    const rows = await deliveries(server.db);
    expect(rows).toHaveLength(4);
    // Two attempts were answered 500 and made again, with the same id and the same body.
    expect(rows.reduce((sum, row) => sum + row.attempts, 0)).toBe(6);
    expect(hooks.received).toHaveLength(6);
    for (const row of rows) {
      const sent = hooks.received.filter((hook) => hook.headers["webhook-id"] === row.id);
      expect(sent).toHaveLength(row.attempts);
      for (const hook of sent) expect(hook.body).toBe(row.payload);
    }
    // Each context's run.finished went out only once its context.created had got through.
    for (const contextId of [first.contextId, second.contextId]) {
      const arrived = hooks.received
        .filter((hook) => hook.event.data.context_id === contextId)
        .map((hook) => hook.event.type);
      expect(arrived.at(-1)).toBe("run.finished");
      expect(arrived.indexOf("run.finished")).toBe(arrived.length - 1);
    }
  });

  it("stops after a 4xx, retries a 429 and a receiver that does not answer", async () => {
    const hooks = await receiver();
    hooks.answers.push(404, 429, "hang");
    const server = await serverWith(hooks, { webhooks: { ...FAST, timeoutMs: 300 } });
    // The run is not held up by a receiver that refuses or hangs.
    await converse(server, scopeOf("workspace:3:user:a"), "hello");
    await until(
      async () => (await deliveries(server.db)).every((row) => row.status !== "pending"),
      "every delivery settled",
    );
    const [created, finished] = await deliveries(server.db);
    expect(created).toMatchObject({ status: "failed", attempts: 1, last_response_status: 404 });
    expect(finished).toMatchObject({ status: "delivered", attempts: 3, last_response_status: 200 });
    expect(hooks.received).toHaveLength(4);
  });

  it("gives up once the retry period is over", async () => {
    const hooks = await receiver();
    hooks.answers.push(...Array(1000).fill(503));
    const server = await serverWith(hooks, { webhooks: { ...FAST, retryForMs: 100 } });
    await converse(server, scopeOf("workspace:4:user:a"), "hello");
    await until(
      async () => (await deliveries(server.db)).every((row) => row.status === "failed"),
      "giving up",
    );
    expect((await deliveries(server.db))[0]).toMatchObject({
      last_response_status: 503,
      last_error: "HTTP 503",
    });
  });

  it("carries on after a restart, sending what was queued again with the same id", async () => {
    const hooks = await receiver();
    hooks.answers.push(500);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-hooks-"));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "db.sqlite");

    const db = openDatabase(file);
    await migrate(db);
    const before = await startTestServer({ db, webhooks: { ...FAST, retryDelaysMs: [60_000] } });
    await addWebhookEndpoint(db, { url: hooks.url, secret: SECRET, events: ["context.created"] });
    await converse(before, scopeOf("workspace:5:user:a"), "hello");
    await hooks.waitFor(1);
    await before.close();
    await closeDatabase(db);
    expect(hooks.received).toHaveLength(1);

    // A new process: the database file reopened, a new dispatcher, a clock past the retry.
    const reopened = openDatabase(file);
    cleanups.push(async () => await closeDatabase(reopened));
    const dispatcher = new WebhookDispatcher({ db: reopened, now: () => Date.now() + 60_000 });
    cleanups.push(() => dispatcher.close());
    await dispatcher.deliverDue();
    expect(hooks.received.map((hook) => hook.headers["webhook-id"])).toEqual([
      hooks.received[0]!.headers["webhook-id"],
      hooks.received[0]!.headers["webhook-id"],
    ]);
    expect((await deliveries(reopened))[0]).toMatchObject({ status: "delivered", attempts: 2 });
  });

  it("sends nothing for a change that was rolled back", async () => {
    const hooks = await receiver();
    const db = openDatabase(":memory:");
    await migrate(db);
    cleanups.push(async () => {
      await closeDatabase(db);
    });
    await addWebhookEndpoint(db, { url: hooks.url, secret: SECRET, events: WEBHOOK_EVENT_TYPES });
    const record = recordWebhookEvents();
    const runtime = createAgentRuntime({
      db,
      agents: testAgents,
      model: createBuiltinModel({ tokenDelayMs: 0 }),
      onCommit: async (tx, change) => {
        await record(tx, change);
        // A failure later in the same transaction, after the events were queued.
        if (change.lifecycle === "created") throw new Error("the change fails");
      },
    });
    cleanups.push(() => runtime.close());
    await expect(
      runtime.createContext(scopeOf("workspace:6:user:a"), { agentId: "test-assistant" }),
    ).rejects.toThrow("the change fails");
    expect(await value(db, "SELECT count(*) FROM context")).toBe(0);
    expect(await deliveries(db)).toEqual([]);
    const dispatcher = new WebhookDispatcher({ db });
    cleanups.push(() => dispatcher.close());
    expect(await dispatcher.deliverDue()).toBe(0);
    expect(hooks.received).toEqual([]);
  });

  it("sends to WEBHOOK_URL with WEBHOOK_SECRET, which the database never holds", async () => {
    const hooks = await receiver();
    const envSecret = `whsec_${Buffer.alloc(32, 9).toString("base64")}`;
    const server = await startTestServer({ webhooks: { ...FAST, envSecret } });
    cleanups.push(() => server.close());
    await syncEnvWebhookEndpoint(server.db, { url: hooks.url, events: WEBHOOK_EVENT_TYPES });
    await converse(server, scopeOf("workspace:7:user:a"), "hello");
    const [hook] = await hooks.waitFor(1);
    expect(new Webhook(envSecret).verify(hook!.body, hook!.headers)).toMatchObject({
      type: "context.created",
    });
    expect(await dumpDatabase(server.db)).not.toContain(envSecret.slice(6));
    // Unset WEBHOOK_URL: its endpoint is disabled and queues nothing more.
    await syncEnvWebhookEndpoint(server.db, null);
    const queued = (await deliveries(server.db)).length;
    await converse(server, scopeOf("workspace:7:user:a"), "hello again");
    expect(await deliveries(server.db)).toHaveLength(queued);
  });
});

describeEachDialect("webhooks from several instances", (suite) => {
  it("sends each event once, in order per context, when two dispatchers race", async () => {
    const hooks = await receiver();
    const db = await suite.open();
    // PostgreSQL: a second pool on the same schema, as another instance holds; SQLite: one
    // database, two dispatchers.
    const other = suite.openAnother(db) ?? db;
    await addWebhookEndpoint(db, { url: hooks.url, secret: SECRET, events: ["context.created"] });
    const sent: string[] = [];
    for (let i = 0; i < 24; i++) {
      const contextId = `ctx_${i % 4}`;
      const payload = JSON.stringify({ type: "context.created", data: { contextId, i } });
      await transaction(db, (tx) =>
        enqueueWebhookEvent(
          tx,
          { type: "context.created", contextId, contextGroup: "org:1", payload },
          Date.now(),
        ),
      );
      sent.push(payload);
    }
    const a = new WebhookDispatcher({ db, concurrency: 4 });
    const b = new WebhookDispatcher({ db: other, concurrency: 4 });
    cleanups.push(() => a.close());
    cleanups.push(() => b.close());
    for (let round = 0; round < 50 && hooks.received.length < sent.length; round++) {
      await Promise.all([a.deliverDue(), b.deliverDue()]);
    }
    const ids = hooks.received.map((hook) => hook.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(sent.length);
    expect(ids).toHaveLength(sent.length);
    for (let context = 0; context < 4; context++) {
      const order = hooks.received
        .map((hook) => hook.event.data as { contextId: string; i: number })
        .filter((data) => data.contextId === `ctx_${context}`)
        .map((data) => data.i);
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
    expect((await deliveries(db)).every((row) => row.status === "delivered")).toBe(true);
  });
});
