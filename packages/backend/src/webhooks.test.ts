// verifyWebhook against signatures made by the `standardwebhooks` library (what the server signs
// with), and against real deliveries of a running server to a local receiver.
import { addWebhookEndpoint } from "@agent-access/db";
import { startTestServer } from "@agent-access/server/testing";
import { converse, scopeOf } from "@agent-access/server/testing/host";
import { startReceiver } from "@agent-access/server/testing/receiver";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyWebhook, WebhookVerificationError } from "./index.ts";

const SECRET = `whsec_${Buffer.alloc(32, 5).toString("base64")}`;
const BODY = JSON.stringify({
  type: "run.finished",
  timestamp: "2026-01-01T00:00:00.000Z",
  data: {
    context_id: "ctx_1",
    context_group: "workspace:1:user:1",
    agent_id: "workspace-assistant",
    run_id: "run_1",
    status: "completed",
    usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 },
  },
});

function signed(body = BODY, at = new Date(), secret = SECRET, id = "msg_1") {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as Error).message;
  }
  throw new Error("verified a webhook it should have refused");
}

describe("verifyWebhook", () => {
  it("accepts what the standardwebhooks library signs, and gives the event in camelCase", () => {
    expect(verifyWebhook(BODY, signed(), SECRET)).toEqual({
      id: "msg_1",
      type: "run.finished",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: {
        contextId: "ctx_1",
        contextGroup: "workspace:1:user:1",
        agentId: "workspace-assistant",
        runId: "run_1",
        status: "completed",
        usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 },
      },
    });
    // Headers as a fetch Headers, in any case, and a Buffer body do as well.
    const headers = new Headers(signed());
    expect(verifyWebhook(Buffer.from(BODY), headers, SECRET).type).toBe("run.finished");
    const upper = Object.fromEntries(
      Object.entries(signed()).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verifyWebhook(BODY, upper, SECRET).id).toBe("msg_1");
  });

  it("accepts any one of several signatures, as during a secret's rotation", () => {
    const headers = signed();
    const other = signed(BODY, new Date(), `whsec_${Buffer.alloc(32, 6).toString("base64")}`);
    headers["webhook-signature"] = `${other["webhook-signature"]} ${headers["webhook-signature"]}`;
    expect(verifyWebhook(BODY, headers, SECRET).id).toBe("msg_1");
  });

  it("refuses a changed body, id or timestamp, another secret, or a missing header", () => {
    const headers = signed();
    expect(refusal(() => verifyWebhook(BODY.replace("completed", "failed"), headers, SECRET))).toBe(
      "no matching signature",
    );
    expect(refusal(() => verifyWebhook(BODY, { ...headers, "webhook-id": "msg_2" }, SECRET))).toBe(
      "no matching signature",
    );
    const later = String(Number(headers["webhook-timestamp"]) + 1);
    expect(
      refusal(() => verifyWebhook(BODY, { ...headers, "webhook-timestamp": later }, SECRET)),
    ).toBe("no matching signature");
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    expect(refusal(() => verifyWebhook(BODY, headers, otherSecret))).toBe("no matching signature");
    const { "webhook-signature": _signature, ...unsigned } = headers;
    expect(refusal(() => verifyWebhook(BODY, unsigned, SECRET))).toBe(
      "missing webhook-signature header",
    );
    expect(
      refusal(() => verifyWebhook(BODY, { ...headers, "webhook-signature": "v2,abc" }, SECRET)),
    ).toBe("no matching signature");
  });

  it("refuses a webhook older or newer than the tolerance, so it cannot be replayed", () => {
    const old = signed(BODY, new Date(Date.now() - 301_000));
    expect(refusal(() => verifyWebhook(BODY, old, SECRET))).toBe("the webhook is too old");
    const future = signed(BODY, new Date(Date.now() + 301_000));
    expect(refusal(() => verifyWebhook(BODY, future, SECRET))).toBe(
      "the webhook is from the future",
    );
    expect(verifyWebhook(BODY, old, SECRET, { toleranceSeconds: 600 }).id).toBe("msg_1");
  });

  it("verifies what a running server delivers to a real receiver", async () => {
    const receiver = await startReceiver();
    const server = await startTestServer({ webhooks: { pollMs: 20 } });
    try {
      await addWebhookEndpoint(server.db, {
        url: receiver.url,
        secret: SECRET,
        events: ["context.created", "run.finished"],
      });
      const group = "workspace:9:user:sdk";
      const { contextId } = await converse(server, scopeOf(group), "hello");
      const received = await receiver.waitFor(2);
      const events = received.map((hook) => verifyWebhook(hook.body, hook.headers, SECRET));
      expect(events.map((event) => [event.type, event.data.contextId])).toEqual([
        ["context.created", contextId],
        ["run.finished", contextId],
      ]);
      const finished = events[1]!;
      if (finished.type !== "run.finished") throw new Error("expected run.finished");
      expect(finished.data).toMatchObject({ contextGroup: group, status: "completed" });
      expect(finished.data.usage.totalTokens).toBeGreaterThan(0);
      expect(() =>
        verifyWebhook(
          received[0]!.body,
          received[0]!.headers,
          `whsec_${Buffer.alloc(32).toString("base64")}`,
        ),
      ).toThrow(WebhookVerificationError);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
