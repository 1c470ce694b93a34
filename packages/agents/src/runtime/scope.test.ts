import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, describe, expect, it } from "vitest";
import { AGENT, eventsUntil, runWaiting, setup, snapshot, teardown } from "../../test/harness.ts";
import type { AgentScope } from "../index.ts";

describeEachDialect("scope", () => {
  afterEach(teardown);

  describe("tenant isolation", () => {
    it("answers NOT_FOUND to every method from another group or without the agent, changing nothing", async () => {
      const { runtime, scope, db } = await setup();
      // A context paused for approval and one paused for input, so that every method has
      // something real to act on if the scope check were missing.
      const approval = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "Please retry the failed deliveries",
      });
      const input = await runtime.createContext(scope, {
        agentId: AGENT,
        firstMessage: "Ask me a question",
      });
      const approvalWait = (await eventsUntil(runtime, scope, approval.context.id, runWaiting)).at(
        -1,
      )!.event as { toolCallId: string };
      const inputWait = (await eventsUntil(runtime, scope, input.context.id, runWaiting)).at(-1)!
        .event as { toolCallId: string };
      const before = await snapshot(db);

      const outsiders: [string, AgentScope][] = [
        ["another group", { contextGroup: "workspace:ws_other:user:7", agentIds: [AGENT] }],
        [
          "a group that is a prefix of this one",
          { contextGroup: scope.contextGroup.split(":user:")[0]!, agentIds: [AGENT] },
        ],
        ["this group without the agent", { contextGroup: scope.contextGroup, agentIds: ["other"] }],
        ["this group with no agents", { contextGroup: scope.contextGroup, agentIds: [] }],
      ];
      for (const [who, outsider] of outsiders) {
        const a = approval.context.id;
        const i = input.context.id;
        const calls: [string, () => Promise<unknown>][] = [
          ["getContext", () => runtime.getContext(outsider, a)],
          ["renameContext", () => runtime.renameContext(outsider, a, { title: "mine now" })],
          ["deleteContext", () => runtime.deleteContext(outsider, a)],
          ["listMessages", () => runtime.listMessages(outsider, a, { limit: 10 })],
          ["send", () => runtime.send(outsider, a, { text: "hello" })],
          ["cancel", () => runtime.cancel(outsider, a)],
          ["regenerate", () => runtime.regenerate(outsider, a)],
          [
            "respondToApproval",
            () =>
              runtime.respondToApproval(outsider, a, {
                toolCallId: approvalWait.toolCallId,
                decision: "allow_always",
              }),
          ],
          [
            "submitInput",
            () =>
              runtime.submitInput(outsider, i, { toolCallId: inputWait.toolCallId, value: "x" }),
          ],
          ["events", async () => runtime.events(outsider, a)],
          ["events (from a seq)", async () => runtime.events(outsider, a, { afterSeq: 1 })],
        ];
        for (const [method, call] of calls) {
          await expect(call(), `${method} from ${who}`).rejects.toMatchObject({
            code: "NOT_FOUND",
          });
        }
        const listed = await runtime.listContexts(outsider, { limit: 100 });
        expect(listed.items, `listContexts from ${who}`).toEqual([]);
      }
      await expect(
        runtime.createContext(
          { contextGroup: scope.contextGroup, agentIds: [] },
          { agentId: AGENT },
        ),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });

      expect(await snapshot(db)).toBe(before);
      expect(await runtime.getContext(scope, approval.context.id)).toMatchObject({
        status: "waiting_for_approval",
      });
      expect((await runtime.listContexts(scope, { limit: 10 })).items).toHaveLength(2);
    });

    it("gives the same answer for a context that does not exist", async () => {
      const { runtime, scope } = await setup();
      const { context } = await runtime.createContext(scope, { agentId: AGENT });
      const reasons = await Promise.all(
        [
          runtime.getContext(scope, "ctx_missing"),
          runtime.getContext({ ...scope, contextGroup: "workspace:x" }, context.id),
        ].map((call) =>
          call.then(
            () => null,
            (error: unknown) => error,
          ),
        ),
      );
      expect(reasons[0]).toMatchObject({ code: "NOT_FOUND" });
      expect(reasons[1]).toEqual(reasons[0]);
    });
  });
});
