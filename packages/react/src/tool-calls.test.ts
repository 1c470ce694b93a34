// describeToolCall: names in words, a summary line from the result, the inputs or the failure,
// and a question that reads as question and answer before and after it is answered.
import { describe, expect, it } from "vitest";
import { describeToolCall, humanToolName, SUMMARY_MAX_LENGTH } from "./tool-calls.ts";
import type { ToolCallPart } from "./types.ts";

const call = (change: Partial<ToolCallPart>): ToolCallPart => ({
  type: "tool-call",
  toolCallId: "call_1",
  toolName: "getWebhookHealth",
  input: {},
  state: "running",
  ...change,
});

describe("humanToolName", () => {
  it("says camelCase, snake_case and MCP names in words", () => {
    expect(humanToolName("getWebhookHealth")).toBe("Get webhook health");
    expect(humanToolName("everything_echo")).toBe("Everything echo");
    expect(humanToolName("notes_create-entities")).toBe("Notes create entities");
    expect(humanToolName("getHTTPStatus")).toBe("Get http status");
  });
});

describe("describeToolCall", () => {
  it("uses the result's own summary once completed", () => {
    const described = describeToolCall(
      call({ state: "completed", output: { summary: "Across 40 deliveries, 75% succeeded." } }),
    );
    expect(described).toEqual({
      title: "Get webhook health",
      summary: "Across 40 deliveries, 75% succeeded.",
      question: null,
    });
  });

  it("reads out the inputs while running, and the reason when it failed or was denied", () => {
    expect(
      describeToolCall(call({ input: { sinceHours: 24, endpointIds: ["a", "b"], since: null } }))
        .summary,
    ).toBe("since hours: 24, endpoint ids: 2 items, since: none");
    expect(describeToolCall(call({ state: "failed", error: "The server did not start." }))).toEqual(
      { title: "Get webhook health", summary: "The server did not start.", question: null },
    );
    expect(describeToolCall(call({ state: "denied", error: "You declined." })).summary).toBe(
      "You declined.",
    );
    expect(describeToolCall(call({ input: null })).summary).toBe("");
  });

  it("cuts a long summary to one line with an ellipsis", () => {
    const long = `${"word ".repeat(100)}\n\nmore`;
    const { summary } = describeToolCall(call({ state: "completed", output: { summary: long } }));
    expect(summary).toHaveLength(SUMMARY_MAX_LENGTH);
    expect(summary.endsWith("…")).toBe(true);
    expect(summary).not.toContain("\n");
  });

  it("keeps a question readable as question and answer after it was answered", () => {
    const waiting = describeToolCall(
      call({
        toolName: "askUser",
        state: "awaiting-input",
        input: { question: "Which endpoint?" },
        question: "Which endpoint?",
      }),
    );
    expect(waiting.question).toEqual({ question: "Which endpoint?", answer: null });
    expect(waiting.summary).toBe("Which endpoint?");

    // The engine drops `question` once answered; the input still holds it.
    const answered = describeToolCall(
      call({
        toolName: "askUser",
        state: "completed",
        input: { question: "Which endpoint?" },
        output: { answer: "The billing one" },
      }),
    );
    expect(answered).toEqual({
      title: "Ask user",
      summary: "The billing one",
      question: { question: "Which endpoint?", answer: "The billing one" },
    });
  });
});
