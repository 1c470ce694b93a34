// The context procedures over real HTTP and SSE with the builtin model: whole turns, resuming a
// stream, reloading mid-reply, cancel, approvals across a restart, conflicts, and isolation.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ContextEvent } from "@agent-access/agents";
import { seedFixture } from "@agent-access/agents/testing";
import type { RouterOutputs } from "@agent-access/api";
import { closeDatabase, get, openDatabase, value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyToMessages } from "../../../packages/react/src/live-context.ts";
import {
  agentBrowser,
  CookieClient,
  openEvents,
  refusal,
  type StreamedEvent,
  startTestServer,
  staticTicket,
  type TestServer,
} from "../test/harness.ts";

type Message = RouterOutputs["context"]["messages"]["items"][number];
type Part = Message["parts"][number];

let server: TestServer;
let group: string;
describeEachDialect("context", () => {
  beforeAll(async () => {
    server = await startTestServer({ tokenDelayMs: 2 });
    group = "tenant:acme:user:7";
    await seedFixture(server.db, group);
  });
  afterAll(() => server.close());

  async function newContext(browser: CookieClient, title = "Webhooks"): Promise<string> {
    const { context } = await browser.trpc.context.create.mutate({ title });
    return context.id;
  }

  const messages = (browser: CookieClient, contextId: string) =>
    browser.trpc.context.messages.query({ contextId });

  const textOf = (message: Message | undefined) =>
    (message?.parts ?? []).map((part) => (part.type === "text" ? part.text : "")).join("");

  /** The text of a message after the events, applied with the reducer the React hooks ship. */
  function replayText(events: StreamedEvent[], messageId: string): string {
    const messages = events.reduce<Message[]>(
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
      const sent = await browser.trpc.context.send.mutate({
        contextId,
        text: "How healthy are my webhooks?",
      });
      expect(sent).toEqual({ messageId: expect.any(String), runId: expect.any(String) });
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
        .map((event) => (event.data.part as Extract<Part, { type: "tool-call" }>).state);
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
      expect(textOf(reply)).toMatch(/^Across 180 deliveries to this tenant's endpoints, 30 failed/);
      const run = (await get(server.db, "SELECT status, usage FROM run WHERE id = ?", [
        sent.runId,
      ])) as {
        status: string;
        usage: string;
      };
      expect(run.status).toBe("completed");
      expect(JSON.parse(run.usage).outputTokens).toBeGreaterThan(0);
    });

    it("answers a send during a run with CONFLICT and starts no second run", async () => {
      const browser = await agentBrowser(server, group);
      const contextId = await newContext(browser);
      await browser.trpc.context.send.mutate({ contextId, text: "stream 400 words" });
      const second = await refusal(browser.trpc.context.send.mutate({ contextId, text: "again" }));
      expect(second).toMatchObject({ status: 409, code: "CONFLICT" });
      const runs = await value(server.db, "SELECT count(*) FROM run WHERE context_id = ?", [
        contextId,
      ]);
      expect(runs).toBe(1);
      await browser.trpc.context.cancel.mutate({ contextId });
    });
  });

  describe("resuming", () => {
    it("continues after lastEventId with exactly the remaining events, none twice, none lost", async () => {
      const browser = await agentBrowser(server, group);
      const contextId = await newContext(browser);
      const first = await openEvents(browser, contextId);
      await browser.trpc.context.send.mutate({ contextId, text: "stream 300 words" });
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
      await browser.trpc.context.send.mutate({ contextId, text: "stream 300 words" });
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
        const sent = await browser.trpc.context.send.mutate({
          contextId,
          text: "stream 2000 words",
        });
        while ((await stream.next())!.data.type !== "message.delta") {
          // under way
        }
        expect(await browser.trpc.context.cancel.mutate({ contextId })).toEqual({
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
        const run = await value(slow.db, "SELECT status FROM run WHERE id = ?", [sent.runId]);
        expect(run).toBe("cancelled");
        expect((await browser.trpc.context.get.query({ contextId })).status).toBe("idle");
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
      const tenantGroup = "tenant:acme:user:7";
      await seedFixture(db, tenantGroup);
      const browser = await agentBrowser(first, tenantGroup);
      const contextId = await newContext(browser);
      const stream = await openEvents(browser, contextId);
      await browser.trpc.context.send.mutate({
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
        const reconnected = new CookieClient(second.url);
        for (const [name, value] of browser.cookies) reconnected.cookies.set(name, value);
        expect((await reconnected.trpc.context.get.query({ contextId })).status).toBe(
          "waiting_for_approval",
        );
        const resumed = await openEvents(reconnected, contextId, waiting.id);
        const answered = await reconnected.trpc.context.respondToApproval.mutate({
          contextId,
          toolCallId: waiting.data.toolCallId as string,
          decision: "allow_once",
        });
        expect(answered).toEqual({ runId: expect.any(String) });
        const events = await resumed.until("run.finished");
        resumed.close();
        expect(events.at(-1)!.data).toMatchObject({ status: "completed" });
        const marked = (await value<number>(
          db,
          "SELECT count(*) FROM fixture_delivery WHERE context_group = ? AND retry_requested_at IS NOT NULL",
          [tenantGroup],
        ))!;
        expect(marked).toBeGreaterThan(0);
      } finally {
        await second.close();
        await closeDatabase(db);
      }
    });
  });

  describe("isolation", () => {
    it("answers NOT_FOUND to every context procedure from another group or without the agent", async () => {
      const owner = await agentBrowser(server, group);
      const contextId = await newContext(owner, "Private");
      await owner.trpc.context.send.mutate({ contextId, text: "Ask me a question" });
      const other = await agentBrowser(server, "workspace:999:user:999");
      const withoutAgent = await agentBrowser(server, group, ["billing-assistant"]);
      const before = JSON.stringify(
        await get(server.db, "SELECT * FROM context WHERE id = ?", [contextId]),
      );

      for (const intruder of [other, withoutAgent]) {
        const { context } = intruder.trpc;
        const probes: [name: string, call: () => Promise<unknown>][] = [
          ["get", () => context.get.query({ contextId })],
          ["messages", () => context.messages.query({ contextId })],
          ["rename", () => context.rename.mutate({ contextId, title: "stolen" })],
          ["send", () => context.send.mutate({ contextId, text: "hello" })],
          ["cancel", () => context.cancel.mutate({ contextId })],
          ["regenerate", () => context.regenerate.mutate({ contextId })],
          [
            "respondToApproval",
            () =>
              context.respondToApproval.mutate({
                contextId,
                toolCallId: "call_1",
                decision: "allow_once",
              }),
          ],
          [
            "submitInput",
            () => context.submitInput.mutate({ contextId, toolCallId: "call_1", value: "yes" }),
          ],
          ["delete", () => context.delete.mutate({ contextId })],
        ];
        for (const [name, call] of probes) {
          const answer = await refusal(call());
          expect({ name, status: answer.status, code: answer.code }).toEqual({
            name,
            status: 404,
            code: "NOT_FOUND",
          });
        }
        const events = await openEvents(intruder, contextId);
        await expect(events.next()).rejects.toThrow(/NOT_FOUND/);
        events.close();
        const listed = await context.list.query({});
        expect(listed.items).toEqual([]);
      }
      expect(
        JSON.stringify(await get(server.db, "SELECT * FROM context WHERE id = ?", [contextId])),
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
              await browser.trpc.session.exchange.mutate({ ticket: next.ticket });
            },
          ],
          ["ended", (browser) => browser.trpc.session.end.mutate()],
          ["expired", async () => checked.clock.advance(31 * 60_000)],
        ];
        for (const [name, end] of cases) {
          const browser = await agentBrowser(checked, "workspace:5:user:5");
          const contextId = await newContext(browser, name);
          const stream = await openEvents(browser, contextId);
          await browser.trpc.context.send.mutate({
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

    it("ends with an error, and the process lives on, when its session check cannot reach the database", async () => {
      const checked = await startTestServer({ config: { streamSessionCheckMs: 20 } });
      try {
        const browser = await agentBrowser(checked, "workspace:5:user:5");
        const contextId = await newContext(browser, "outage");
        const stream = await openEvents(browser, contextId);
        await closeDatabase(checked.db);
        const drained = (async () => {
          while (await stream.next(5_000)) {}
          return "ended without an error";
        })();
        await expect(drained).rejects.toThrow(/stream error/);
        stream.close();
      } finally {
        await checked.close();
      }
    });
  });
});
