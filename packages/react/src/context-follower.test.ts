// ContextFollower on its own, without React: first against a scripted client, whose stream the
// test writes event by event (duplicates, gaps, drops, refusals), then against the real server.
import { seedFixture, TEST_AGENT } from "@agent-access/agents/testing";
import { startTestServer, staticTicket, type TestServer } from "@agent-access/server/testing";
import { TRPCClientError } from "@trpc/client";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { TestBrowser } from "../test/browser.ts";
import {
  ContextFollower,
  type ContextFollowerOptions,
  type ContextFollowerSnapshot,
  type FollowerSession,
} from "./context-follower.ts";
import { createSessionController } from "./session-controller.ts";
import type { AgentAccessTRPCClient } from "./trpc.ts";
import type { ContextEvent, ContextMessage, ContextSummary } from "./types.ts";

const user = (id: string, seq: number, text: string): ContextMessage => ({
  id,
  seq,
  role: "user",
  parts: [{ type: "text", text }],
  runId: null,
  createdAt: seq,
  outcome: null,
  feedback: null,
});

const reply = (id: string, seq: number, runId = "run_1"): ContextMessage => ({
  id,
  seq,
  role: "assistant",
  parts: [],
  runId,
  createdAt: seq,
  outcome: null,
  feedback: null,
});

interface Stream {
  input: { contextId: string; lastEventId?: string };
  handlers: {
    onStarted?: () => void;
    onData?: (event: { id: string; data: ContextEvent }) => void;
    onError?: (error: unknown) => void;
    onComplete?: () => void;
    onConnectionStateChange?: (state: { state: string }) => void;
  };
  closed: boolean;
  /** Sends the events, numbered from `from`. */
  send(from: number, ...events: ContextEvent[]): void;
}

/**
 * A client whose server is the test: `pages` answers context.messages (by `before`), every
 * subscription is kept in `streams` for the test to write to.
 */
function scriptedSession(
  pages: Record<string, { items: ContextMessage[]; hasMore: boolean; lastEventId: number }>,
) {
  const streams: Stream[] = [];
  const queries: string[] = [];
  const summary: Partial<ContextSummary> = { status: "idle", title: "Chat", agentId: "agent" };
  const client = {
    context: {
      messages: {
        query: async (input: { contextId: string; before?: string }) => {
          queries.push(
            `messages ${input.contextId}${input.before ? ` before ${input.before}` : ""}`,
          );
          const page = pages[input.before ?? input.contextId];
          if (!page) throw new Error(`no page for ${JSON.stringify(input)}`);
          return structuredClone(page);
        },
      },
      get: { query: async () => ({ ...summary }) },
      events: {
        subscribe(input: Stream["input"], handlers: Stream["handlers"]) {
          const stream: Stream = {
            input,
            handlers,
            closed: false,
            send(from, ...events) {
              for (const [index, data] of events.entries()) {
                handlers.onData?.({ id: String(from + index), data });
              }
            },
          };
          streams.push(stream);
          return {
            unsubscribe() {
              stream.closed = true;
            },
          };
        },
      },
    },
  } as unknown as AgentAccessTRPCClient;
  const session = {
    client,
    epoch: 0,
    recover: vi.fn(async (_sentEpoch: number) => false),
  } satisfies FollowerSession;
  return { session, streams, queries, summary };
}

const followers: ContextFollower[] = [];
afterEach(() => {
  for (const follower of followers.splice(0)) follower.dispose();
  vi.useRealTimers();
});

function follow(session: FollowerSession, options: ContextFollowerOptions = {}) {
  const follower = new ContextFollower(session, { retryDelaysMs: [0], ...options });
  followers.push(follower);
  return follower;
}

/** Resolves once the follower's snapshot passes `check`. */
function until(
  follower: ContextFollower,
  check: (snapshot: ContextFollowerSnapshot) => boolean,
): Promise<ContextFollowerSnapshot> {
  return new Promise((resolve) => {
    if (check(follower.getSnapshot())) return resolve(follower.getSnapshot());
    const stop = follower.subscribe(() => {
      if (!check(follower.getSnapshot())) return;
      stop();
      resolve(follower.getSnapshot());
    });
  });
}

const open = (snapshot: ContextFollowerSnapshot) => snapshot.connectionState === "open";

describe("ContextFollower, scripted", () => {
  it("loads the newest page, then follows from its log position", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [user("m1", 1, "hi")], hasMore: false, lastEventId: 4 },
    });
    const follower = follow(session);
    expect(follower.getSnapshot()).toMatchObject({ connectionState: "idle", loading: false });
    follower.start("ctx_1");
    expect(follower.getSnapshot()).toMatchObject({ connectionState: "connecting", loading: true });
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    expect(streams[0]!.input).toEqual({ contextId: "ctx_1", lastEventId: "4" });
    streams[0]!.handlers.onStarted?.();
    expect(follower.getSnapshot()).toMatchObject({
      contextId: "ctx_1",
      connectionState: "open",
      loading: false,
      messages: [user("m1", 1, "hi")],
      lastEventId: 4,
    });
  });

  it("applies each event once: replays are skipped, a gap loads afresh", async () => {
    const pages = {
      ctx_1: { items: [user("m1", 1, "hi")], hasMore: false, lastEventId: 1 },
    };
    const { session, streams, queries } = scriptedSession(pages);
    const seen: string[] = [];
    const follower = follow(session, { onEvent: (_, event) => seen.push(event.type) });
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const stream = streams[0]!;
    stream.handlers.onStarted?.();
    stream.send(
      2,
      { type: "message.created", message: reply("a1", 2) },
      { type: "message.delta", messageId: "a1", partIndex: 0, text: "Hel" },
    );
    // A replay of 2 and 3 (a reconnect that overlapped), then 4.
    stream.send(
      2,
      { type: "message.created", message: reply("a1", 2) },
      { type: "message.delta", messageId: "a1", partIndex: 0, text: "Hel" },
      { type: "message.delta", messageId: "a1", partIndex: 0, text: "lo" },
    );
    const held = await until(follower, (snapshot) => snapshot.lastEventId === 4);
    expect(held.messages[1]!.parts).toEqual([{ type: "text", text: "Hello" }]);
    expect(seen).toEqual(["message.created", "message.delta", "message.delta"]);

    // Event 6 without 5: the follower does not guess, it loads the conversation again.
    pages.ctx_1 = {
      items: [
        user("m1", 1, "hi"),
        { ...reply("a1", 2), parts: [{ type: "text", text: "Hello!" }] },
      ],
      hasMore: false,
      lastEventId: 6,
    };
    stream.send(6, { type: "message.completed", messageId: "a1" });
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(stream.closed).toBe(true);
    expect(queries).toEqual(["messages ctx_1", "messages ctx_1"]);
    expect(streams[1]!.input.lastEventId).toBe("6");
    expect(follower.getSnapshot().messages).toEqual(pages.ctx_1.items);
  });

  it("subscribes again after the last event applied when the stream ends or fails", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [], hasMore: false, lastEventId: 0 },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    streams[0]!.handlers.onStarted?.();
    streams[0]!.send(1, { type: "message.created", message: user("m1", 1, "hi") });
    streams[0]!.handlers.onComplete?.();
    expect(follower.getSnapshot().connectionState).toBe("reconnecting");
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(streams[1]!.input.lastEventId).toBe("1");
    // A network failure (no tRPC code) is retried the same way.
    streams[1]!.handlers.onError?.(new TypeError("fetch failed"));
    await vi.waitFor(() => expect(streams).toHaveLength(3));
    expect(streams[2]!.input.lastEventId).toBe("1");
    // A refusal with a code is final.
    streams[2]!.handlers.onError?.(
      TRPCClientError.from({
        error: { message: "context not found", code: -32004, data: { code: "NOT_FOUND" } },
      }),
    );
    expect(follower.getSnapshot()).toMatchObject({
      connectionState: "closed",
      error: expect.objectContaining({ message: "context not found" }),
    });
    expect(streams).toHaveLength(3);
  });

  it("asks the session to recover from a refused session, and gives up if it cannot", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [], hasMore: false, lastEventId: 0 },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const refused = TRPCClientError.from({
      error: { message: "no session", code: -32001, data: { code: "UNAUTHORIZED" } },
    });
    streams[0]!.handlers.onError?.(refused);
    expect(session.recover).toHaveBeenCalledWith(0);
    expect(follower.getSnapshot().connectionState).toBe("reconnecting");
    await until(follower, (snapshot) => snapshot.connectionState === "closed");
    expect(follower.getSnapshot().error?.message).toBe("no session");
  });

  it("resumes the conversation held, and loads another afresh keeping what was sent to it", async () => {
    const { session, streams, queries } = scriptedSession({
      ctx_1: { items: [user("m1", 1, "one")], hasMore: false, lastEventId: 1 },
      ctx_2: { items: [], hasMore: false, lastEventId: 0 },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    follower.stop();
    expect(streams[0]!.closed).toBe(true);
    follower.start("ctx_1");
    expect(streams).toHaveLength(2);
    expect(streams[1]!.input.lastEventId).toBe("1");
    expect(queries).toEqual(["messages ctx_1"]);

    follower.addPending("ctx_2", "for two");
    follower.addPending("ctx_1", "for one");
    follower.stop();
    follower.start("ctx_2");
    expect(follower.getSnapshot().messages.map((message) => message.parts)).toEqual([
      [{ type: "text", text: "for two" }],
    ]);
    await vi.waitFor(() => expect(streams).toHaveLength(3));
    expect(streams[2]!.input).toEqual({ contextId: "ctx_2", lastEventId: "0" });
    follower.stop();
    follower.start("");
    expect(follower.getSnapshot()).toMatchObject({
      contextId: "",
      connectionState: "idle",
      messages: [],
    });
  });

  it("shows a sent message at once and swaps it for the server's copy", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [], hasMore: false, lastEventId: 0 },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    type Sent = { messageId: string; runId: string };
    let answer!: (value: Sent) => void;
    const localId = follower.addPending("ctx_1", "hello");
    const sent = follower.track(() => new Promise<Sent>((resolve) => (answer = resolve)), {
      done: (result) => follower.settlePending(localId, "ctx_1", result.messageId),
    });
    expect(follower.getSnapshot()).toMatchObject({
      isExecuting: true,
      executionStatus: "running",
      messages: [{ id: localId, pending: true, parts: [{ type: "text", text: "hello" }] }],
    });
    answer({ messageId: "m1", runId: "run_1" });
    await sent;
    // The run has not shown in the log yet: still executing.
    expect(follower.getSnapshot()).toMatchObject({ isExecuting: true, starting: true });
    streams[0]!.send(
      1,
      { type: "message.created", message: user("m1", 1, "hello") },
      { type: "message.created", message: reply("a1", 2, "run_1") },
    );
    const shown = await until(follower, (snapshot) => snapshot.lastEventId === 2);
    expect(shown.messages.map((message) => message.id)).toEqual(["m1", "a1"]);
    expect(shown.starting).toBe(false);
  });

  it("undoes a refused call and keeps why", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [], hasMore: false, lastEventId: 0 },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    const localId = follower.addPending("ctx_1", "hello");
    follower.hide("call_1");
    const result = await follower.track(() => Promise.reject(new Error("a run is unfinished")), {
      undo: () => {
        follower.dropPending(localId);
        follower.unhide("call_1");
      },
    });
    expect(result).toBeNull();
    expect(follower.getSnapshot()).toMatchObject({
      messages: [],
      isExecuting: false,
      error: expect.objectContaining({ message: "a run is unfinished" }),
    });
  });

  it("hides a tool call answered from here until the server moves on", async () => {
    const waiting = {
      type: "tool-call" as const,
      toolCallId: "call_1",
      toolName: "retryFailedDeliveries",
      input: {},
      state: "awaiting-approval" as const,
    };
    const { session, streams } = scriptedSession({
      ctx_1: {
        items: [user("m1", 1, "retry"), { ...reply("a1", 2), parts: [waiting] }],
        hasMore: false,
        lastEventId: 5,
      },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    expect(follower.getSnapshot().pendingApproval).toMatchObject({
      toolCallId: "call_1",
      messageId: "a1",
    });
    follower.hide("call_1");
    expect(follower.getSnapshot().pendingApproval).toBeNull();
    follower.unhide("call_1");
    expect(follower.getSnapshot().pendingApproval?.toolCallId).toBe("call_1");
  });

  it("puts how a run ended on its reply and in lastOutcome, not in error", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [user("m1", 1, "a"), reply("a1", 2)], hasMore: false, lastEventId: 2 },
    });
    const follower = follow(session);
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    expect(follower.getSnapshot()).toMatchObject({
      lastOutcome: null,
      editableMessageId: "m1",
      agentId: "agent",
    });
    streams[0]!.send(3, {
      type: "run.finished",
      runId: "run_1",
      status: "failed",
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      error: "The model provider is unavailable.",
    });
    const failed = await until(follower, (snapshot) => snapshot.lastOutcome !== null);
    const outcome = { status: "failed", error: "The model provider is unavailable." };
    expect(failed.lastOutcome).toEqual(outcome);
    expect(failed.messages[1]!.outcome).toEqual(outcome);
    expect(failed.error).toBeNull();
  });

  it("loads older pages in front of the messages held", async () => {
    const { session, streams, queries } = scriptedSession({
      ctx_1: { items: [user("m3", 3, "c"), user("m4", 4, "d")], hasMore: true, lastEventId: 4 },
      m3: { items: [user("m1", 1, "a"), user("m2", 2, "b")], hasMore: false, lastEventId: 4 },
    });
    const follower = follow(session, { pageSize: 2 });
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    expect(follower.getSnapshot().hasMoreMessages).toBe(true);
    await follower.loadOlder();
    expect(queries).toEqual(["messages ctx_1", "messages ctx_1 before m3"]);
    expect(follower.getSnapshot()).toMatchObject({ hasMoreMessages: false });
    expect(follower.getSnapshot().messages.map((message) => message.id)).toEqual([
      "m1",
      "m2",
      "m3",
      "m4",
    ]);
    await follower.loadOlder();
    expect(queries).toHaveLength(2);
  });

  it("publishes a burst of events as one snapshot per render window", async () => {
    const { session, streams } = scriptedSession({
      ctx_1: { items: [reply("a1", 1)], hasMore: false, lastEventId: 1 },
    });
    const follower = follow(session, { renderIntervalMs: 50 });
    follower.start("ctx_1");
    await vi.waitFor(() => expect(streams).toHaveLength(1));
    vi.useFakeTimers();
    let published = 0;
    follower.subscribe(() => published++);
    const delta = (text: string): ContextEvent => ({
      type: "message.delta",
      messageId: "a1",
      partIndex: 0,
      text,
    });
    vi.advanceTimersByTime(100);
    // The first change after a quiet spell shows at once; the rest wait for the window's end.
    streams[0]!.send(2, delta("a"));
    expect(published).toBe(1);
    streams[0]!.send(3, delta("b"), delta("c"), delta("d"));
    expect(published).toBe(1);
    expect(follower.getSnapshot().messages[0]!.parts).toEqual([{ type: "text", text: "a" }]);
    vi.advanceTimersByTime(50);
    expect(published).toBe(2);
    expect(follower.getSnapshot().messages[0]!.parts).toEqual([{ type: "text", text: "abcd" }]);
  });
});

describe("ContextFollower, against the server", () => {
  let server: TestServer;
  let group: string;
  beforeAll(async () => {
    server = await startTestServer({ tokenDelayMs: 3 });
    group = "tenant:acme:user:7";
    await seedFixture(server.db, group);
  });
  afterAll(() => server.close());

  it("follows a streamed reply across a dropped stream, ending with the server's messages", async () => {
    const browser = new TestBrowser(server.url);
    const controller = createSessionController({
      baseUrl: server.url,
      fetch: browser.fetch,
      EventSource: browser.EventSource,
    });
    await controller.exchange((await staticTicket(server, group)).ticket);
    const { context } = await controller.client.context.create.mutate({ title: "Chat" });

    const follower = follow(controller);
    follower.start(context.id);
    await until(follower, open);
    await controller.client.context.send.mutate({
      contextId: context.id,
      text: "stream 200 words",
    });
    await until(follower, (snapshot) => (snapshot.messages[1]?.parts.length ?? 0) > 0);
    expect(browser.dropStreams()).toBe(1);
    const done = await until(follower, (snapshot) => snapshot.status === "idle" && open(snapshot));
    const scope = { contextGroup: group, agentIds: [TEST_AGENT] };
    const stored = await server.runtime.listMessages(scope, context.id, { limit: 100 });
    await until(follower, (snapshot) => snapshot.lastEventId === stored.lastEventId);
    expect(follower.getSnapshot().messages).toEqual(stored.items);
    expect(done.error).toBeNull();
    expect(browser.timeline.some((entry) => /last-event-id=\d+$/.test(entry))).toBe(true);
  });
});
