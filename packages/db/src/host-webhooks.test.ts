import { beforeEach, describe, expect, it } from "vitest";
import {
  addWebhookEndpoint,
  type Db,
  dueWebhookEvents,
  ENV_WEBHOOK_ENDPOINT_ID,
  enqueueWebhookEvent,
  listWebhookEndpoints,
  migrate,
  openDatabase,
  recordWebhookAttempt,
  removeWebhookEndpoint,
  syncEnvWebhookEndpoint,
} from "./index.ts";

const SECRET = `whsec_${Buffer.alloc(32).toString("base64")}`;
let db: Db;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
});

function enqueue(type: string, contextId: string, now: number): number {
  return db.transaction(() =>
    enqueueWebhookEvent(
      db,
      { type, contextId, contextGroup: "org:1", payload: JSON.stringify({ type, contextId }) },
      now,
    ),
  )();
}

describe("the webhook outbox", () => {
  it("queues an event for each enabled endpoint that takes its type, only inside a transaction", () => {
    const all = addWebhookEndpoint(
      db,
      { url: "https://a.example", secret: SECRET, events: ["run.finished", "context.created"] },
      1,
    );
    addWebhookEndpoint(
      db,
      { url: "https://b.example", secret: SECRET, events: ["context.created"] },
      1,
    );
    syncEnvWebhookEndpoint(db, { url: "https://env.example", events: ["run.finished"] }, 1);
    expect(enqueue("run.finished", "ctx_1", 10)).toBe(2);
    expect(enqueue("context.deleted", "ctx_1", 10)).toBe(0);
    syncEnvWebhookEndpoint(db, null, 11);
    expect(enqueue("run.finished", "ctx_1", 12)).toBe(1);
    expect(() =>
      enqueueWebhookEvent(
        db,
        { type: "run.finished", contextId: "c", contextGroup: "g", payload: "{}" },
        1,
      ),
    ).toThrow(/inside a transaction/);
    expect(removeWebhookEndpoint(db, all.id)).toBe(true);
    expect(
      db.prepare("SELECT count(*) FROM webhook_outbox WHERE endpoint_id = ?").pluck().get(all.id),
    ).toBe(0);
  });

  it("keeps WEBHOOK_URL's secret out of the database and disables it when unset", () => {
    syncEnvWebhookEndpoint(db, { url: "https://env.example", events: ["run.finished"] }, 1);
    expect(listWebhookEndpoints(db)).toEqual([
      expect.objectContaining({
        id: ENV_WEBHOOK_ENDPOINT_ID,
        secret: null,
        source: "env",
        disabled_at: null,
      }),
    ]);
    syncEnvWebhookEndpoint(db, null, 2);
    expect(listWebhookEndpoints(db)[0]).toMatchObject({ disabled_at: 2 });
    syncEnvWebhookEndpoint(db, { url: "https://new.example", events: ["context.created"] }, 3);
    expect(listWebhookEndpoints(db)[0]).toMatchObject({
      url: "https://new.example",
      disabled_at: null,
    });
  });

  it("offers only the oldest pending event of each context, once it is due", () => {
    addWebhookEndpoint(
      db,
      { url: "https://a.example", secret: SECRET, events: ["run.finished", "context.created"] },
      1,
    );
    enqueue("context.created", "ctx_a", 10);
    enqueue("run.finished", "ctx_a", 11);
    enqueue("context.created", "ctx_b", 12);
    const due = dueWebhookEvents(db, 20, 10);
    expect(due.map((row) => [row.context_id, row.event_type])).toEqual([
      ["ctx_a", "context.created"],
      ["ctx_b", "context.created"],
    ]);
    // A failed attempt to retry later holds the context's next event back until then.
    recordWebhookAttempt(db, due[0]!.seq, {
      at: 20,
      responseStatus: 500,
      error: "HTTP 500",
      outcome: { status: "pending", retryAt: 100 },
    });
    recordWebhookAttempt(db, due[1]!.seq, {
      at: 20,
      responseStatus: 200,
      error: null,
      outcome: { status: "delivered" },
    });
    expect(dueWebhookEvents(db, 50, 10)).toEqual([]);
    expect(dueWebhookEvents(db, 100, 10).map((row) => row.event_type)).toEqual(["context.created"]);
    recordWebhookAttempt(db, due[0]!.seq, {
      at: 100,
      responseStatus: 404,
      error: "HTTP 404",
      outcome: { status: "failed" },
    });
    expect(dueWebhookEvents(db, 100, 10).map((row) => row.event_type)).toEqual(["run.finished"]);
  });
});
