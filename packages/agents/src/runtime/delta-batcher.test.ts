import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DeltaBatcher } from "./delta-batcher.ts";

// A writer as the run driver is one: takes the pending text, commits it (or fails), confirms.
function setup(options: { windowMs?: number; failWrites?: () => boolean } = {}) {
  let clock = 1_000;
  const writes: string[] = [];
  const timerErrors: unknown[] = [];
  const batcher: DeltaBatcher = new DeltaBatcher({
    windowMs: options.windowMs ?? 50,
    clock: () => clock,
    flush: () => {
      const text = batcher.take();
      if (options.failWrites?.()) throw new Error("disk full");
      writes.push(text);
      batcher.written(text);
    },
    onTimerError: (error) => timerErrors.push(error),
  });
  return {
    batcher,
    writes,
    timerErrors,
    /** Moves the clock and the timers together. */
    advance(ms: number) {
      clock += ms;
      vi.advanceTimersByTime(ms);
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("the delta batcher", () => {
  it("writes the first delta at once and coalesces the rest of the window into one write", () => {
    const { batcher, writes, advance } = setup();
    batcher.add("Hel");
    expect(writes).toEqual(["Hel"]);
    advance(10);
    batcher.add("lo");
    advance(10);
    batcher.add(", world");
    expect(writes).toEqual(["Hel"]);
    advance(29);
    expect(writes).toEqual(["Hel"]);
    advance(1);
    expect(writes).toEqual(["Hel", "lo, world"]);
  });

  it("writes at once again after a quiet spell", () => {
    const { batcher, writes, advance } = setup();
    batcher.add("a");
    advance(500);
    batcher.add("b");
    expect(writes).toEqual(["a", "b"]);
  });

  it("gives a write in between (another change) the pending text, and cancels the timed one", () => {
    const { batcher, writes, advance } = setup();
    batcher.add("a");
    batcher.add("b");
    // Another change commits now: it takes the pending text with it.
    const text = batcher.take();
    expect(text).toBe("b");
    batcher.written(text);
    advance(100);
    expect(writes).toEqual(["a"]);
    expect(batcher.take()).toBe("");
  });

  it("keeps the text of a failed write for the next one, and reports a failed timed write", () => {
    let fail = false;
    const { batcher, writes, timerErrors, advance } = setup({ failWrites: () => fail });
    batcher.add("a");
    fail = true;
    batcher.add("b");
    advance(50);
    expect(timerErrors).toEqual([new Error("disk full")]);
    expect(writes).toEqual(["a"]);
    fail = false;
    batcher.add("c");
    expect(writes).toEqual(["a", "bc"]);
  });

  it("with a window of 0 writes every delta at once", () => {
    const { batcher, writes } = setup({ windowMs: 0 });
    batcher.add("a");
    batcher.add("b");
    expect(writes).toEqual(["a", "b"]);
  });
});
