// The SDK's host API methods against the real server: paging, iteration, erasure, usage, and
// the typed error of each refusal. The suite runs shuffled: reading tests share one group that
// nothing erases, and each erasing test makes its own group.
import { createApiKey } from "@agent-access/db";
import { startTestServer, type TestServer } from "@agent-access/server/testing";
import { converse, rate, reply, scopeOf } from "@agent-access/server/testing/host";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentAccessClient,
  AgentAccessError,
  AuthenticationError,
  type Context,
  InvalidRequestError,
  type Message,
  NotFoundError,
  PermissionDeniedError,
} from "./index.ts";

let server: TestServer;
let client: AgentAccessClient;
const group = "workspace:8:user:sdk";
const contextIds: string[] = [];
beforeAll(async () => {
  server = await startTestServer();
  client = new AgentAccessClient({
    apiKey: (await createApiKey(server.db, "sdk")).key,
    baseUrl: server.url,
  });
  for (let i = 0; i < 5; i += 1) {
    server.clock.advance(1000);
    contextIds.push((await converse(server, scopeOf(group), `message ${i}`)).contextId);
  }
  await reply(server, scopeOf(group), contextIds[4]!, "show webhook health");
  server.clock.advance(1);
});
afterAll(() => server.close());

async function rejection<T extends AgentAccessError>(promise: PromiseLike<unknown>): Promise<T> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AgentAccessError);
  return error as T;
}

describe("contexts", () => {
  it("list gives a page to await and every context to iterate, newest activity first", async () => {
    const first = await client.contexts.list({ contextGroup: group, limit: 2 });
    expect(first.data.map((c) => c.id)).toEqual([contextIds[4], contextIds[3]]);
    expect(first).toMatchObject({ hasMore: true, nextCursor: expect.any(String) });
    expect(first.data[0]).toEqual({
      id: contextIds[4],
      contextGroup: group,
      agentId: "test-assistant",
      title: "Message 4",
      status: "idle",
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
      lastActivityAt: expect.any(Number),
    });
    const second = await first.next();
    expect(second?.data.map((c) => c.id)).toEqual([contextIds[2], contextIds[1]]);
    const all: Context[] = [];
    for await (const context of client.contexts.list({ contextGroup: group, limit: 2 })) {
      all.push(context);
    }
    expect(all.map((c) => c.id)).toEqual([...contextIds].reverse());
    const pages = [];
    for await (const page of client.contexts.list({ contextGroup: group, limit: 2 }).pages()) {
      pages.push(page.data.length);
    }
    expect(pages).toEqual([2, 2, 1]);
    expect((await client.contexts.list({ contextGroup: "workspace:0:user:none" })).data).toEqual(
      [],
    );
  });

  it("get and messages read one conversation, iterating from the newest message back", async () => {
    expect(await client.contexts.get(contextIds[4]!)).toMatchObject({ title: "Message 4" });
    const newest = await client.contexts.messages(contextIds[4]!, { limit: 3 });
    expect(newest.data.map((m) => m.role)).toEqual(["assistant", "user", "assistant"]);
    expect(newest.hasMore).toBe(true);
    const seen: Message[] = [];
    for await (const message of client.contexts.messages(contextIds[4]!, { limit: 3 })) {
      seen.push(message);
    }
    expect(seen.map((m) => m.seq)).toEqual([4, 3, 2, 1]);
    expect(seen[3]!.parts).toEqual([{ type: "text", text: "message 4" }]);
    expect(seen[0]!.parts.some((part) => part.type === "tool-call")).toBe(true);
  });

  it("delete erases one conversation and get then throws NotFoundError", async () => {
    const own = scopeOf("workspace:8:user:sdk-delete");
    const { contextId } = await converse(server, own, "to be deleted");
    const kept = await converse(server, own, "to be kept");
    await rate(server, own, contextId, "bad", "forget this");
    const erased = await client.contexts.delete(contextId);
    expect(erased).toEqual({
      erased: {
        contexts: 1,
        messages: 2,
        events: expect.any(Number),
        runs: 1,
        feedback: 1,
        toolGrants: 0,
        agentSessions: 0,
        tickets: 0,
        files: 0,
      },
      cancelledRuns: 0,
    });
    const error = await rejection<NotFoundError>(client.contexts.get(contextId));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "not_found" });
    expect(await client.contexts.get(kept.contextId)).toMatchObject({ title: "Kept" });
  });
});

describe("feedback", () => {
  it("list gives a group's ratings, newest change first, to await or iterate", async () => {
    const own = scopeOf("workspace:8:user:sdk-feedback");
    const first = await converse(server, own, "first");
    const second = await converse(server, own, "second");
    const firstReply = await rate(server, own, first.contextId, "bad", "Not what I asked.");
    server.clock.advance(1);
    const secondReply = await rate(server, own, second.contextId, "good");
    const page = await client.feedback.list({ contextGroup: own.contextGroup, limit: 1 });
    expect(page.data).toEqual([
      {
        messageId: secondReply,
        contextId: second.contextId,
        contextGroup: own.contextGroup,
        rating: "good",
        comment: null,
        createdAt: expect.any(Number),
        updatedAt: expect.any(Number),
      },
    ]);
    expect(page).toMatchObject({ hasMore: true, nextCursor: expect.any(String) });
    const all = [];
    for await (const rating of client.feedback.list({ contextGroup: own.contextGroup, limit: 1 })) {
      all.push(rating.messageId);
    }
    expect(all).toEqual([secondReply, firstReply]);
    const bad = await client.feedback.list({ contextGroup: own.contextGroup, rating: "bad" });
    expect(bad.data.map((row) => row.comment)).toEqual(["Not what I asked."]);
    const one = await client.feedback.list({
      contextGroup: own.contextGroup,
      contextId: first.contextId,
    });
    expect(one.data.map((row) => row.messageId)).toEqual([firstReply]);
  });
});

describe("groups and usage", () => {
  it("usage.get sums the group's runs per agent", async () => {
    const report = await client.usage.get({ contextGroup: group, groupBy: "agent" });
    expect(report).toMatchObject({ contextGroup: group, groupBy: "agent" });
    expect(report.buckets).toEqual([
      {
        key: "test-assistant",
        runs: 6,
        inputTokens: expect.any(Number),
        outputTokens: expect.any(Number),
        totalTokens: expect.any(Number),
        toolCalls: 1,
      },
    ]);
    const earlier = await client.usage.get({
      contextGroup: group,
      from: new Date("2020-01-01"),
      to: new Date("2020-01-02"),
    });
    expect(earlier.totals.runs).toBe(0);
  });

  it("groups.erase erases the whole group and nothing of another", async () => {
    const doomed = "workspace:8:user:sdk-erase";
    for (let i = 0; i < 3; i += 1) await converse(server, scopeOf(doomed), `doomed ${i}`);
    const erased = await client.groups.erase(doomed);
    expect(erased.erased).toMatchObject({ contexts: 3, runs: 3 });
    expect((await client.contexts.list({ contextGroup: doomed })).data).toEqual([]);
    expect((await client.contexts.list({ contextGroup: group })).data).toHaveLength(5);
  });
});

describe("typed errors", () => {
  it("gives each refusal its own class, with the status and code", async () => {
    const bad = await rejection<InvalidRequestError>(
      client.contexts.list({ contextGroup: "not a group" }),
    );
    expect(bad).toBeInstanceOf(InvalidRequestError);
    expect(bad.message).toMatch(/^context_group:/);

    const reader = new AgentAccessClient({
      apiKey: (await createApiKey(server.db, "reader", Date.now(), "read")).key,
      baseUrl: server.url,
    });
    const denied = await rejection(reader.groups.erase(group));
    expect(denied).toBeInstanceOf(PermissionDeniedError);
    expect(denied).toMatchObject({ status: 403, code: "forbidden" });

    const stranger = new AgentAccessClient({ apiKey: "aak_nope", baseUrl: server.url });
    expect(await rejection(stranger.usage.get())).toBeInstanceOf(AuthenticationError);
  });
});
