// The event reducer on its own: every event type, the seq checks, and that nothing it is given
// is changed (React compares by identity, and the security suite reuses the views it passes in).
import { describe, expect, it } from "vitest";
import {
  applyEvent,
  applyToMessages,
  type LiveContext,
  liveFromPage,
  receiveEvent,
  waitingToolCall,
  withOlderPage,
} from "./live-context.ts";
import type { ContextEvent, ContextMessage, ToolCallPart } from "./types.ts";

const user = (id: string, seq: number, text: string): ContextMessage => ({
  id,
  seq,
  role: "user",
  parts: [{ type: "text", text }],
  runId: null,
  createdAt: 1_000 + seq,
  outcome: null,
  feedback: null,
});

const assistant = (id: string, seq: number, parts: ContextMessage["parts"] = []) => ({
  id,
  seq,
  role: "assistant" as const,
  parts,
  runId: "run_1",
  createdAt: 1_000 + seq,
  outcome: null,
  feedback: null,
});

const lookup: ToolCallPart = {
  type: "tool-call",
  toolCallId: "call_1",
  toolName: "webhookHealth",
  input: { sinceHours: 24 },
  state: "running",
};

/** A context holding `messages`, consistent with the log up to `lastEventId`. */
function live(messages: ContextMessage[], lastEventId = 10): LiveContext {
  return deepFreeze(
    liveFromPage(
      "ctx_1",
      { items: messages, hasMore: false, lastEventId },
      { status: "idle", title: "Chat", agentId: "agent" },
    ),
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe("liveFromPage", () => {
  it("starts from the page's messages and log position, and the summary's status and title", () => {
    const page = { items: [user("m1", 1, "hi")], hasMore: true, lastEventId: 7 };
    expect(
      liveFromPage("ctx_1", page, { status: "running", title: "Hi", agentId: "agent" }),
    ).toEqual({
      contextId: "ctx_1",
      messages: page.items,
      lastEventId: 7,
      status: "running",
      title: "Hi",
      hasMore: true,
      agentId: "agent",
    });
  });
});

describe("applyToMessages", () => {
  it("adds a created message in seq order, and only once", () => {
    const held = deepFreeze([user("m1", 1, "a"), user("m3", 3, "c")]);
    const between = user("m2", 2, "b");
    const added = applyToMessages(held, { type: "message.created", message: between });
    expect(added.map((message) => message.id)).toEqual(["m1", "m2", "m3"]);
    const last = applyToMessages(added, { type: "message.created", message: user("m4", 4, "d") });
    expect(last.map((message) => message.id)).toEqual(["m1", "m2", "m3", "m4"]);
    // The same message again (a page that already held it): replaced, not doubled.
    const again = applyToMessages(last, {
      type: "message.created",
      message: { ...between, parts: [{ type: "text", text: "b!" }] },
    });
    expect(again.map((message) => message.id)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(again[1]!.parts).toEqual([{ type: "text", text: "b!" }]);
  });

  it("appends a delta to the text part it names, or starts that part", () => {
    const held = deepFreeze([assistant("a1", 2, [{ type: "text", text: "Hel" }])]);
    const grown = applyToMessages(held, {
      type: "message.delta",
      messageId: "a1",
      partIndex: 0,
      text: "lo",
    });
    expect(grown[0]!.parts).toEqual([{ type: "text", text: "Hello" }]);
    const second = applyToMessages(grown, {
      type: "message.delta",
      messageId: "a1",
      partIndex: 1,
      text: "More",
    });
    expect(second[0]!.parts).toEqual([
      { type: "text", text: "Hello" },
      { type: "text", text: "More" },
    ]);
    expect(held[0]!.parts).toEqual([{ type: "text", text: "Hel" }]);
  });

  it("sets a part whole: a new part, or a tool call that changed state", () => {
    const held = deepFreeze([assistant("a1", 2, [{ type: "text", text: "Let me look." }])]);
    const called = applyToMessages(held, {
      type: "message.part",
      messageId: "a1",
      partIndex: 1,
      part: lookup,
    });
    expect(called[0]!.parts).toEqual([{ type: "text", text: "Let me look." }, lookup]);
    const done = { ...lookup, state: "completed" as const, output: { failing: 2 } };
    const replaced = applyToMessages(called, {
      type: "message.part",
      messageId: "a1",
      partIndex: 1,
      part: done,
    });
    expect(replaced[0]!.parts).toEqual([{ type: "text", text: "Let me look." }, done]);
    expect(called[0]!.parts[1]).toEqual(lookup);
  });

  it("leaves a message it does not hold alone (one older than the pages loaded)", () => {
    const held = deepFreeze([assistant("a1", 2, [{ type: "text", text: "x" }])]);
    for (const event of [
      { type: "message.delta", messageId: "old", partIndex: 0, text: "y" },
      { type: "message.part", messageId: "old", partIndex: 0, part: lookup },
    ] satisfies ContextEvent[]) {
      expect(applyToMessages(held, event)).toBe(held);
    }
  });

  it("removes the messages named, and only those", () => {
    const held = deepFreeze([user("m1", 1, "a"), assistant("a1", 2), user("m2", 3, "b")]);
    const removed = applyToMessages(held, { type: "messages.removed", messageIds: ["a1", "zz"] });
    expect(removed.map((message) => message.id)).toEqual(["m1", "m2"]);
    expect(applyToMessages(held, { type: "messages.removed", messageIds: ["zz"] })).toBe(held);
  });

  it("changes no message for run, completion and context events", () => {
    const held = deepFreeze([user("m1", 1, "a"), assistant("a1", 2, [lookup])]);
    const events: ContextEvent[] = [
      { type: "run.started", runId: "run_1", agentId: "agent", triggerMessageId: "m1" },
      { type: "message.completed", messageId: "a1" },
      {
        type: "run.waiting",
        runId: "run_1",
        reason: "approval",
        messageId: "a1",
        toolCallId: "call_1",
        toolName: "webhookHealth",
        input: {},
      },
      {
        type: "run.finished",
        runId: "run_other",
        status: "completed",
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      },
      { type: "context.updated", title: "T", status: "idle" },
    ];
    for (const event of events) expect(applyToMessages(held, event)).toBe(held);
  });

  it("puts how a run ended on its reply, as a reload reads it", () => {
    const held = deepFreeze([user("m1", 1, "a"), assistant("a1", 2, [lookup])]);
    const usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };
    const failed = applyToMessages(held, {
      type: "run.finished",
      runId: "run_1",
      status: "failed",
      usage,
      error: "The reply failed (reference err_0123456789ab).",
    });
    expect(failed[1]!.outcome).toEqual({
      status: "failed",
      error: "The reply failed (reference err_0123456789ab).",
    });
    expect(failed[0]).toBe(held[0]);
    const stopped = applyToMessages(held, {
      type: "run.finished",
      runId: "run_1",
      status: "cancelled",
      usage,
    });
    expect(stopped[1]!.outcome).toEqual({ status: "cancelled", error: null });
  });

  it("sets, changes and takes back a reply's rating", () => {
    const held = deepFreeze([user("m1", 1, "a"), assistant("a1", 2)]);
    const rated = applyToMessages(held, {
      type: "message.feedback",
      messageId: "a1",
      feedback: { rating: "bad", comment: "wrong endpoint" },
    });
    expect(rated[1]!.feedback).toEqual({ rating: "bad", comment: "wrong endpoint" });
    const cleared = applyToMessages(rated, {
      type: "message.feedback",
      messageId: "a1",
      feedback: null,
    });
    expect(cleared[1]!.feedback).toBeNull();
    expect(
      applyToMessages(held, { type: "message.feedback", messageId: "older", feedback: null }),
    ).toBe(held);
  });

  it("reads a message created before messages carried an outcome and a rating", () => {
    const { outcome: _outcome, feedback: _feedback, ...logged } = user("m1", 1, "a");
    const created = applyToMessages([], {
      type: "message.created",
      message: logged as ContextMessage,
    });
    expect(created[0]).toMatchObject({ id: "m1", outcome: null, feedback: null });
  });
});

describe("applyEvent", () => {
  it("takes the status and title of context.updated", () => {
    const next = applyEvent(live([]), { type: "context.updated", title: "New", status: "running" });
    expect(next).toMatchObject({ status: "running", title: "New" });
  });

  it("applies message events to the messages and nothing else", () => {
    const before = live([user("m1", 1, "a")]);
    const next = applyEvent(before, { type: "message.created", message: assistant("a1", 2) });
    expect(next).toEqual({ ...before, messages: [...before.messages, assistant("a1", 2)] });
  });
});

describe("receiveEvent", () => {
  const created = (id: string, seq: number): ContextEvent => ({
    type: "message.created",
    message: user(id, seq, id),
  });

  it("applies the next event and moves the log position to its seq", () => {
    const { state, outcome } = receiveEvent(live([], 4), 5, created("m1", 1));
    expect(outcome).toBe("applied");
    expect(state.lastEventId).toBe(5);
    expect(state.messages.map((message) => message.id)).toEqual(["m1"]);
  });

  it("skips an event at or below the last applied (a replay, or already in the page)", () => {
    const before = live([user("m1", 1, "m1")], 5);
    for (const seq of [5, 3, 1]) {
      const { state, outcome } = receiveEvent(before, seq, created("m9", 9));
      expect(outcome).toBe("duplicate");
      expect(state).toBe(before);
    }
  });

  it("refuses an event after a gap, leaving the state as it was", () => {
    const before = live([], 5);
    const { state, outcome } = receiveEvent(before, 7, created("m1", 1));
    expect(outcome).toBe("gap");
    expect(state).toBe(before);
  });

  it("gives the same messages whatever the replays mixed into the stream", () => {
    const events: [number, ContextEvent][] = [
      [1, created("m1", 1)],
      [2, { type: "message.created", message: assistant("a1", 2) }],
      [3, { type: "message.delta", messageId: "a1", partIndex: 0, text: "Hi" }],
      [4, { type: "message.delta", messageId: "a1", partIndex: 0, text: " there" }],
      [5, { type: "message.part", messageId: "a1", partIndex: 1, part: lookup }],
    ];
    const straight = events.reduce(
      (state, [seq, event]) => receiveEvent(state, seq, event).state,
      live([], 0),
    );
    // A reconnect replays 2..4 after 4 was applied; each replay is skipped.
    const replayed = [...events.slice(0, 4), ...events.slice(1, 4), ...events.slice(3)];
    const mixed = replayed.reduce(
      (state, [seq, event]) => receiveEvent(state, seq, event).state,
      live([], 0),
    );
    expect(mixed).toEqual(straight);
    expect(straight.messages[1]!.parts).toEqual([{ type: "text", text: "Hi there" }, lookup]);
  });
});

describe("withOlderPage", () => {
  it("puts an older page in front, once, and takes its hasMore", () => {
    const before = { ...live([user("m3", 3, "c"), user("m4", 4, "d")]), hasMore: true };
    const older = withOlderPage(deepFreeze(before), {
      items: [user("m1", 1, "a"), user("m2", 2, "b"), user("m3", 3, "c")],
      hasMore: false,
    });
    expect(older.messages.map((message) => message.id)).toEqual(["m1", "m2", "m3", "m4"]);
    expect(older.hasMore).toBe(false);
    expect(older.lastEventId).toBe(before.lastEventId);
  });
});

describe("waitingToolCall", () => {
  it("finds the waiting tool call of the newest assistant message only", () => {
    const waiting = { ...lookup, state: "awaiting-approval" as const };
    const asking = { ...lookup, toolCallId: "call_2", state: "awaiting-input" as const };
    const messages = [
      assistant("a1", 1, [asking]),
      user("m1", 2, "x"),
      assistant("a2", 3, [waiting]),
    ];
    expect(waitingToolCall(messages, "awaiting-approval")).toEqual({ ...waiting, messageId: "a2" });
    // An older message's question is no longer waiting for anyone.
    expect(waitingToolCall(messages, "awaiting-input")).toBeNull();
    expect(waitingToolCall([user("m1", 1, "x")], "awaiting-input")).toBeNull();
  });
});
