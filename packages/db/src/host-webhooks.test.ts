import { beforeEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  addWebhookEndpoint,
  claimDueWebhookEvents,
  type Db,
  ENV_WEBHOOK_ENDPOINT_ID,
  enqueueWebhookEvent,
  listWebhookEndpoints,
  recordWebhookAttempt,
  removeWebhookEndpoint,
  syncEnvWebhookEndpoint,
  transaction,
  value,
} from "./index.ts";

const SECRET = `whsec_${Buffer.alloc(32).toString("base64")}`;
let db: Db;
describeEachDialect("host-webhooks", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  function enqueue(type: string, contextId: string, now: number): Promise<number> {
    return transaction(
      db,
      async (tx) =>
        await enqueueWebhookEvent(
          tx,
          { type, contextId, contextGroup: "org:1", payload: JSON.stringify({ type, contextId }) },
          now,
        ),
    );
  }

  describe("the webhook outbox", () => {
    it("queues an event for each enabled endpoint that takes its type, only inside a transaction", async () => {
      const all = await addWebhookEndpoint(
        db,
        { url: "https://a.example", secret: SECRET, events: ["run.finished", "context.created"] },
        1,
      );
      await addWebhookEndpoint(
        db,
        { url: "https://b.example", secret: SECRET, events: ["context.created"] },
        1,
      );
      await syncEnvWebhookEndpoint(db, { url: "https://env.example", events: ["run.finished"] }, 1);
      expect(await enqueue("run.finished", "ctx_1", 10)).toBe(2);
      expect(await enqueue("context.deleted", "ctx_1", 10)).toBe(0);
      await syncEnvWebhookEndpoint(db, null, 11);
      expect(await enqueue("run.finished", "ctx_1", 12)).toBe(1);
      await expect(
        enqueueWebhookEvent(
          db,
          { type: "run.finished", contextId: "c", contextGroup: "g", payload: "{}" },
          1,
        ),
      ).rejects.toThrow(/inside a transaction/);
      expect(await removeWebhookEndpoint(db, all.id)).toBe(true);
      expect(
        await value(db, "SELECT count(*) FROM webhook_outbox WHERE endpoint_id = ?", [all.id]),
      ).toBe(0);
    });

    it("keeps WEBHOOK_URL's secret out of the database and disables it when unset", async () => {
      await syncEnvWebhookEndpoint(db, { url: "https://env.example", events: ["run.finished"] }, 1);
      expect(await listWebhookEndpoints(db)).toEqual([
        expect.objectContaining({
          id: ENV_WEBHOOK_ENDPOINT_ID,
          secret: null,
          source: "env",
          disabled_at: null,
        }),
      ]);
      await syncEnvWebhookEndpoint(db, null, 2);
      expect((await listWebhookEndpoints(db))[0]).toMatchObject({ disabled_at: 2 });
      await syncEnvWebhookEndpoint(
        db,
        { url: "https://new.example", events: ["context.created"] },
        3,
      );
      expect((await listWebhookEndpoints(db))[0]).toMatchObject({
        url: "https://new.example",
        disabled_at: null,
      });
    });

    it("offers only the oldest pending event of each context, once it is due", async () => {
      await addWebhookEndpoint(
        db,
        { url: "https://a.example", secret: SECRET, events: ["run.finished", "context.created"] },
        1,
      );
      await enqueue("context.created", "ctx_a", 10);
      await enqueue("run.finished", "ctx_a", 11);
      await enqueue("context.created", "ctx_b", 12);
      const due = await claimDueWebhookEvents(db, { now: 20, until: 40, limit: 10 });
      expect(due.map((row) => [row.context_id, row.event_type])).toEqual([
        ["ctx_a", "context.created"],
        ["ctx_b", "context.created"],
      ]);
      // Claimed: no other dispatcher gets them while the attempts are under way.
      expect(await claimDueWebhookEvents(db, { now: 20, until: 40, limit: 10 })).toEqual([]);
      // A failed attempt to retry later holds the context's next event back until then.
      await recordWebhookAttempt(db, due[0]!.seq, {
        at: 20,
        responseStatus: 500,
        error: "HTTP 500",
        outcome: { status: "pending", retryAt: 100 },
      });
      await recordWebhookAttempt(db, due[1]!.seq, {
        at: 20,
        responseStatus: 200,
        error: null,
        outcome: { status: "delivered" },
      });
      expect(await claimDueWebhookEvents(db, { now: 50, until: 70, limit: 10 })).toEqual([]);
      expect(
        (await claimDueWebhookEvents(db, { now: 100, until: 120, limit: 10 })).map(
          (row) => row.event_type,
        ),
      ).toEqual(["context.created"]);
      await recordWebhookAttempt(db, due[0]!.seq, {
        at: 100,
        responseStatus: 404,
        error: "HTTP 404",
        outcome: { status: "failed" },
      });
      expect(
        (await claimDueWebhookEvents(db, { now: 100, until: 120, limit: 10 })).map(
          (row) => row.event_type,
        ),
      ).toEqual(["run.finished"]);
    });

    it("offers a claimed event again once its claim lapses unanswered", async () => {
      await addWebhookEndpoint(
        db,
        { url: "https://a.example", secret: SECRET, events: ["context.created"] },
        1,
      );
      await enqueue("context.created", "ctx_a", 10);
      const [first] = await claimDueWebhookEvents(db, { now: 20, until: 60, limit: 10 });
      expect(await claimDueWebhookEvents(db, { now: 59, until: 99, limit: 10 })).toEqual([]);
      const again = await claimDueWebhookEvents(db, { now: 60, until: 100, limit: 10 });
      expect(again.map((row) => row.id)).toEqual([first!.id]);
    });
  });
});
