// The context procedures over real HTTP and SSE with the builtin model: whole turns, resuming a
// stream, reloading mid-reply, cancel, approvals across a restart, conflicts, and isolation.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ContextEvent, ContextMessage } from "@agent-access/agents";
import { openDatabase, seedDemo } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToMessages } from "../../../packages/react/src/live-context.ts";
import {
  agentBrowser,
  type CookieClient,
  openEvents,
  type StreamedEvent,
  startTestServer,
  staticTicket,
  type TestServer,
  trpcResult,
} from "../test/harness.ts";

interface Part {
  type: string;
  text?: string;
  state?: string;
  toolName?: string;
  toolCallId?: string;
  output?: unknown;
}
interface Message {
  id: string;
  role: string;
  parts: Part[];
}

let server: TestServer;
let group: string;
beforeAll(async () => {
  server = await startTestServer({ tokenDelayMs: 2 });
  const seeded = seedDemo(server.db, "not-a-real-hash")!;
  group = `workspace:${seeded.workspaceIds[0]}:user:${seeded.userId}`;
});
afterAll(() => server.close());

async function call<T>(
  browser: CookieClient,
  kind: "query" | "mutation",
  name: string,
  input: unknown,
) {
  return trpcResult<T>(await browser[kind](`context.${name}`, input));
}

async function newContext(browser: CookieClient, title = "Webhooks"): Promise<string> {
  const created = await call<{ context: { id: string } }>(browser, "mutation", "create", { title });
  return created.data!.context.id;
}

async function messages(browser: CookieClient, contextId: string) {
  return (
    await call<{ items: Message[]; lastEventId: number; hasMore: boolean }>(
      browser,
      "query",
      "messages",
      {
        contextId,
      },
    )
  ).data!;
}

const textOf = (message: Message | undefined) =>
  (message?.parts ?? [])
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("");

/** The text of a message after the events, applied with the reducer the React hooks ship. */
function replayText(events: StreamedEvent[], messageId: string): string {
  const messages = events.reduce<ContextMessage[]>(
    (held, { data }) => applyToMessages(held, data as unknown as ContextEvent),
    [],
  );
  return textOf(messages.find((message) => message.id === messageId));
}

describe("a whole turn", () => {
  it("streams the reply over SSE with the tool call, numbered without gaps", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const stream = await openEvents(browser, contextId);
    expect(stream.status).toBe(200);
    const sent = await call<{ messageId: string; runId: string }>(browser, "mutation", "send", {
      contextId,
      text: "How healthy are my webhooks?",
    });
    expect(sent.status).toBe(200);
    const events = await stream.until("run.finished");
    stream.close();

    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    const types = events.map((event) => event.data.type);
    expect(types.slice(0, 3)).toEqual(["message.created", "run.started", "message.created"]);
    expect(types).toContain("message.delta");
    expect(types.at(-1)).toBe("run.finished");
    expect(events.at(-1)!.data).toMatchObject({
      status: "completed",
      usage: { outputTokens: expect.any(Number) },
    });

    const toolStates = events
      .filter(
        (event) =>
          event.data.type === "message.part" && (event.data.part as Part).type === "tool-call",
      )
      .map((event) => (event.data.part as Part).state);
    expect(toolStates).toEqual(["running", "completed"]);

    const { items } = await messages(browser, contextId);
    expect(items.map((message) => message.role)).toEqual(["user", "assistant"]);
    const reply = items[1]!;
    expect(reply.parts[0]).toMatchObject({
      type: "tool-call",
      toolName: "getWebhookHealth",
      state: "completed",
    });
    expect(textOf(reply)).toBe(replayText(events, reply.id));
    expect(textOf(reply)).toMatch(/succeeded; the p95 latency is \d+ ms/);
    const run = server.db
      .prepare("SELECT status, usage FROM run WHERE id = ?")
      .get(sent.data!.runId) as {
      status: string;
      usage: string;
    };
    expect(run.status).toBe("completed");
    expect(JSON.parse(run.usage).outputTokens).toBeGreaterThan(0);
  });

  it("answers a send during a run with CONFLICT and starts no second run", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    await call(browser, "mutation", "send", { contextId, text: "stream 400 words" });
    const second = await call(browser, "mutation", "send", { contextId, text: "and again" });
    expect(second).toMatchObject({ status: 409, error: { code: "CONFLICT" } });
    const runs = server.db
      .prepare("SELECT count(*) FROM run WHERE context_id = ?")
      .pluck()
      .get(contextId);
    expect(runs).toBe(1);
    await call(browser, "mutation", "cancel", { contextId });
  });
});

describe("resuming", () => {
  it("continues after lastEventId with exactly the remaining events, none twice, none lost", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const first = await openEvents(browser, contextId);
    await call(browser, "mutation", "send", { contextId, text: "stream 300 words" });
    const seen: StreamedEvent[] = [];
    while (seen.filter((event) => event.data.type === "message.delta").length < 3) {
      seen.push((await first.next())!);
    }
    first.close();
    const lastSeen = seen.at(-1)!.id;

    const resumed = await openEvents(browser, contextId, lastSeen);
    const rest = await resumed.until("run.finished");
    resumed.close();
    expect(rest[0]!.id).toBe(lastSeen + 1);

    const full = await openEvents(browser, contextId, 0);
    const everything = await full.until("run.finished");
    full.close();
    expect([...seen, ...rest]).toEqual(everything);
  });

  it("shows the partial reply on a reload mid-reply, and the stream goes on from there", async () => {
    const browser = await agentBrowser(server, group);
    const contextId = await newContext(browser);
    const live = await openEvents(browser, contextId);
    await call(browser, "mutation", "send", { contextId, text: "stream 300 words" });
    while ((await live.next())!.data.type !== "message.delta") {
      // wait for the reply to be under way
    }
    live.close();

    const page = await messages(browser, contextId);
    const partial = textOf(page.items[1]);
    expect(partial.length).toBeGreaterThan(0);

    const after = await openEvents(browser, contextId, page.lastEventId);
    const rest = await after.until("run.finished");
    after.close();
    const final = textOf((await messages(browser, contextId)).items[1]);
    expect(final.split(" ").length).toBeGreaterThan(partial.split(" ").length);
    expect(final.startsWith(partial)).toBe(true);
    const appended = rest
      .filter((event) => event.data.type === "message.delta")
      .map((event) => event.data.text as string)
      .join("");
    expect(partial + appended).toBe(final);
  });
});

describe("cancel", () => {
  it("stops the tokens on the server and marks the run cancelled", async () => {
    const slow = await startTestServer({ tokenDelayMs: 20 });
    try {
      const browser = await agentBrowser(slow, "workspace:9:user:9");
      const contextId = await newContext(browser);
      const stream = await openEvents(browser, contextId);
      const sent = await call<{ runId: string }>(browser, "mutation", "send", {
        contextId,
        text: "stream 2000 words",
      });
      while ((await stream.next())!.data.type !== "message.delta") {
        // under way
      }
      expect((await call(browser, "mutation", "cancel", { contextId })).data).toEqual({
        cancelled: true,
      });
      const events = await stream.until("run.finished");
      expect(events.at(-1)!.data).toMatchObject({ type: "run.finished", status: "cancelled" });
      const kept = textOf((await messages(browser, contextId)).items[1]);
      expect(kept.split(" ").length).toBeLessThan(2000);
      // Nothing more is written after the cancel.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(textOf((await messages(browser, contextId)).items[1])).toBe(kept);
      stream.close();
      const run = slow.db
        .prepare("SELECT status FROM run WHERE id = ?")
        .pluck()
        .get(sent.data!.runId);
      expect(run).toBe("cancelled");
      expect(
        (await call<{ status: string }>(browser, "query", "get", { contextId })).data!.status,
      ).toBe("idle");
    } finally {
      await slow.close();
    }
  });
});

describe("approvals", () => {
  it("resume after a server restart when answered", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aa-approval-")), "db.sqlite");
    const db = openDatabase(file);
    const first = await startTestServer({ db });
    const seeded = seedDemo(db, "not-a-real-hash")!;
    const workspaceGroup = `workspace:${seeded.workspaceIds[0]}:user:${seeded.userId}`;
    const browser = await agentBrowser(first, workspaceGroup);
    const contextId = await newContext(browser);
    const stream = await openEvents(browser, contextId);
    await call(browser, "mutation", "send", {
      contextId,
      text: "Please retry the failed deliveries",
    });
    const waiting = (await stream.until("run.waiting")).at(-1)!;
    stream.close();
    expect(waiting.data).toMatchObject({ reason: "approval", toolName: "retryFailedDeliveries" });
    await first.close();

    const second = await startTestServer({ db });
    try {
      await second.runtime.recover();
      const reconnected = new (browser.constructor as typeof CookieClient)(second.url);
      for (const [name, value] of browser.cookies) reconnected.cookies.set(name, value);
      expect(
        (await call<{ status: string }>(reconnected, "query", "get", { contextId })).data!.status,
      ).toBe("waiting_for_approval");
      const resumed = await openEvents(reconnected, contextId, waiting.id);
      const answered = await call(reconnected, "mutation", "respondToApproval", {
        contextId,
        toolCallId: waiting.data.toolCallId,
        decision: "allow_once",
      });
      expect(answered.status).toBe(200);
      const events = await resumed.until("run.finished");
      resumed.close();
      expect(events.at(-1)!.data).toMatchObject({ status: "completed" });
      const marked = db
        .prepare(
          `SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
            WHERE e.workspace_id = ? AND d.retry_requested_at IS NOT NULL`,
        )
        .pluck()
        .get(seeded.workspaceIds[0]) as number;
      expect(marked).toBeGreaterThan(0);
    } finally {
      await second.close();
      db.close();
    }
  });
});

describe("isolation", () => {
  it("answers NOT_FOUND to every context procedure from another group or without the agent", async () => {
    const owner = await agentBrowser(server, group);
    const contextId = await newContext(owner, "Private");
    await call(owner, "mutation", "send", { contextId, text: "Ask me a question" });
    const other = await agentBrowser(server, "workspace:999:user:999");
    const withoutAgent = await agentBrowser(server, group, ["billing-assistant"]);
    const before = JSON.stringify(
      server.db.prepare("SELECT * FROM context WHERE id = ?").get(contextId),
    );

    const probes: [kind: "query" | "mutation", name: string, input: Record<string, unknown>][] = [
      ["query", "get", {}],
      ["query", "messages", {}],
      ["mutation", "rename", { title: "stolen" }],
      ["mutation", "send", { text: "hello" }],
      ["mutation", "cancel", {}],
      ["mutation", "regenerate", {}],
      ["mutation", "respondToApproval", { toolCallId: "call_1", decision: "allow_once" }],
      ["mutation", "submitInput", { toolCallId: "call_1", value: "yes" }],
      ["mutation", "delete", {}],
    ];
    for (const intruder of [other, withoutAgent]) {
      for (const [kind, name, input] of probes) {
        const answer = await call(intruder, kind, name, { contextId, ...input });
        expect({ name, status: answer.status, code: answer.error?.code }).toEqual({
          name,
          status: 404,
          code: "NOT_FOUND",
        });
      }
      const events = await openEvents(intruder, contextId);
      await expect(events.next()).rejects.toThrow(/NOT_FOUND/);
      events.close();
      const listed = await call<{ items: unknown[] }>(intruder, "query", "list", {});
      expect(listed.data!.items).toEqual([]);
    }
    expect(
      JSON.stringify(server.db.prepare("SELECT * FROM context WHERE id = ?").get(contextId)),
    ).toBe(before);
  });
});

describe("an open event stream", () => {
  it("ends with UNAUTHORIZED once its session is replaced, ended or expired", async () => {
    const checked = await startTestServer({ config: { streamSessionCheckMs: 20 } });
    try {
      const cases: [string, (browser: CookieClient) => Promise<unknown>][] = [
        [
          "replaced",
          async (browser) => {
            const next = await staticTicket(checked, "workspace:5:user:5");
            await browser.mutation("session.exchange", { ticket: next.ticket });
          },
        ],
        ["ended", (browser) => browser.mutation("session.end")],
        ["expired", async () => checked.clock.advance(31 * 60_000)],
      ];
      for (const [name, end] of cases) {
        const browser = await agentBrowser(checked, "workspace:5:user:5");
        const contextId = await newContext(browser, name);
        const stream = await openEvents(browser, contextId);
        await call(browser, "mutation", "send", {
          contextId,
          text: "How healthy are my webhooks?",
        });
        await stream.until("run.finished");
        await end(browser);
        const drained = (async () => {
          // Events already on their way may still arrive; then the stream must end refused.
          while (await stream.next(5_000)) {}
          return "ended without a refusal";
        })();
        await expect(drained, name).rejects.toThrow(/UNAUTHORIZED/);
        stream.close();
      }
    } finally {
      await checked.close();
    }
  });
});
