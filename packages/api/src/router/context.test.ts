// The context router by caller: agentProcedure hands every procedure the session's scope, and
// the engine's refusals reach the caller as tRPC errors of the same code, streams included.

import { get } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, type TestApi, type TestBrowser } from "../../test/callers.ts";

let api: TestApi;
describeEachDialect("context", () => {
  beforeEach(async () => {
    api = await createTestApi();
  });
  afterEach(() => api.close());

  /**
   * Reads a context's event stream until an event of `type`, as `[id, type]` pairs; the stream's
   * refusal is thrown. A caller yields a tracked event as tRPC's envelope, `[id, data, marker]`,
   * where the client gets `{ id, data }`.
   */
  async function eventsUntil(browser: TestBrowser, contextId: string, type: string) {
    const seen: [id: string, type: string][] = [];
    for await (const event of await browser.caller.context.events({ contextId })) {
      const [id, data] = event as unknown as [string, { type: string }];
      seen.push([id, data.type]);
      if (data.type === type) break;
    }
    return seen;
  }

  describe("context router", () => {
    it("works in the session's context group, with its first agent when none is chosen", async () => {
      const browser = await api.agentBrowser("workspace:1:user:1", [
        "billing-assistant",
        "test-assistant",
      ]);
      const { context } = await browser.caller.context.create({ title: "Invoices" });
      expect(context).toMatchObject({ title: "Invoices", agentId: "billing-assistant" });
      const row = (await get(api.db, "SELECT context_group FROM context WHERE id = ?", [
        context.id,
      ])) as { context_group: string };
      expect(row.context_group).toBe("workspace:1:user:1");
      expect((await browser.caller.context.list({})).items.map((item) => item.id)).toEqual([
        context.id,
      ]);
    });

    it("answers NOT_FOUND to every procedure from another group or without the agent", async () => {
      const owner = await api.agentBrowser("workspace:1:user:1");
      const { context } = await owner.caller.context.create({ title: "Private" });
      const contextId = context.id;
      const before = JSON.stringify(
        await get(api.db, "SELECT * FROM context WHERE id = ?", [contextId]),
      );
      const other = await api.agentBrowser("workspace:2:user:1");
      const withoutAgent = await api.agentBrowser("workspace:1:user:1", ["billing-assistant"]);

      for (const intruder of [other, withoutAgent]) {
        const { context: c } = intruder.caller;
        const probes: [string, () => Promise<unknown>][] = [
          ["get", () => c.get({ contextId })],
          ["messages", () => c.messages({ contextId })],
          ["rename", () => c.rename({ contextId, title: "stolen" })],
          ["send", () => c.send({ contextId, text: "hello" })],
          ["cancel", () => c.cancel({ contextId })],
          ["regenerate", () => c.regenerate({ contextId })],
          ["editMessage", () => c.editMessage({ contextId, messageId: "msg_x", text: "mine" })],
          ["setFeedback", () => c.setFeedback({ contextId, messageId: "msg_x", rating: "bad" })],
          [
            "respondToApproval",
            () => c.respondToApproval({ contextId, toolCallId: "call_1", decision: "allow_once" }),
          ],
          ["submitInput", () => c.submitInput({ contextId, toolCallId: "call_1", value: "yes" })],
          ["delete", () => c.delete({ contextId })],
          ["events", () => eventsUntil(intruder, contextId, "run.finished")],
        ];
        for (const [name, probe] of probes) {
          const error = await probe().catch((caught: unknown) => caught);
          expect(error, name).toBeInstanceOf(TRPCError);
          expect({ name, code: (error as TRPCError).code }).toEqual({ name, code: "NOT_FOUND" });
          expect((error as TRPCError).message, name).toMatch(/^Conversation not found/);
        }
        expect((await c.list({})).items).toEqual([]);
      }
      expect(
        JSON.stringify(await get(api.db, "SELECT * FROM context WHERE id = ?", [contextId])),
      ).toBe(before);
    });

    it("answers a send during a run with CONFLICT, and streams the run to its owner", async () => {
      const browser = await api.agentBrowser("workspace:1:user:1");
      // A reply long enough to be still streaming when the second send arrives (the test's
      // model does not pause between words), then stopped.
      const { context, sent } = await browser.caller.context.create({
        firstMessage: "stream 200000 words",
      });
      expect(sent).not.toBeNull();
      await expect(
        browser.caller.context.send({ contextId: context.id, text: "and again" }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await browser.caller.context.cancel({ contextId: context.id })).toEqual({
        cancelled: true,
      });
      const seen = await eventsUntil(browser, context.id, "run.finished");
      expect(seen.slice(0, 2)).toEqual([
        ["1", "message.created"],
        ["2", "run.started"],
      ]);
      expect(seen.map(([id]) => id)).toEqual(seen.map((_, index) => String(index + 1)));
      expect(seen.at(-1)?.[1]).toBe("run.finished");
    });

    it("refuses a browser without an agent session with UNAUTHORIZED saying what to do", async () => {
      await expect(api.browser().caller.context.list({})).rejects.toMatchObject({
        code: "UNAUTHORIZED",
        message: "no agent session: open the agent from your app",
      });
    });
  });
});
