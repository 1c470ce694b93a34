// sendBlockedReason: the first reason that applies, in the order a user must deal with them.
import { describe, expect, it } from "vitest";
import { sendBlockedReason } from "./use-composer.ts";

const ready = {
  text: "Hello",
  files: 0,
  maxLength: 10,
  executionStatus: "idle" as const,
  isExecuting: false,
  uploading: false,
};

describe("sendBlockedReason", () => {
  it("allows a text within the limit, or files without text", () => {
    expect(sendBlockedReason(ready)).toBeNull();
    expect(sendBlockedReason({ ...ready, text: "  ", files: 1 })).toBeNull();
    expect(sendBlockedReason({ ...ready, text: ` ${"x".repeat(10)} ` })).toBeNull();
  });

  it("names uploads first, then the agent waiting on the user, then a reply under way", () => {
    const busy = { ...ready, text: "", isExecuting: true, uploading: true };
    expect(sendBlockedReason({ ...busy, executionStatus: "waiting_for_approval" })).toBe(
      "uploading",
    );
    expect(
      sendBlockedReason({ ...busy, uploading: false, executionStatus: "waiting_for_approval" }),
    ).toBe("waiting_for_approval");
    expect(
      sendBlockedReason({ ...busy, uploading: false, executionStatus: "waiting_for_input" }),
    ).toBe("waiting_for_input");
    expect(sendBlockedReason({ ...busy, uploading: false, executionStatus: "running" })).toBe(
      "running",
    );
  });

  it("says too long before empty, counting the trimmed text", () => {
    expect(sendBlockedReason({ ...ready, text: "x".repeat(11) })).toBe("too_long");
    expect(sendBlockedReason({ ...ready, text: " \n " })).toBe("empty");
  });
});
