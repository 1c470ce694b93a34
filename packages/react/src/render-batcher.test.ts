// The render batching of useAgentContext, on a fake clock: the first change renders at once,
// changes that follow within the window render together at its end.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRenderBatcher, RENDER_INTERVAL_MS } from "./render-batcher.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("createRenderBatcher", () => {
  it("renders the first change at once and a burst once per window", () => {
    const render = vi.fn();
    const batcher = createRenderBatcher(render);

    batcher.schedule();
    expect(render).toHaveBeenCalledTimes(1);

    // A hundred tokens within the window: one render, at its end.
    for (let token = 0; token < 100; token++) {
      vi.advanceTimersByTime(RENDER_INTERVAL_MS / 200);
      batcher.schedule();
    }
    expect(render).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(RENDER_INTERVAL_MS);
    expect(render).toHaveBeenCalledTimes(2);

    // After a quiet spell, the next change again renders at once.
    vi.advanceTimersByTime(RENDER_INTERVAL_MS * 2);
    batcher.schedule();
    expect(render).toHaveBeenCalledTimes(3);
  });

  it("renders at once on flush, and not at all after cancel", () => {
    const render = vi.fn();
    const batcher = createRenderBatcher(render);
    batcher.schedule();
    batcher.schedule();
    batcher.flush();
    expect(render).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(RENDER_INTERVAL_MS * 2);
    expect(render).toHaveBeenCalledTimes(2);

    batcher.schedule();
    batcher.schedule();
    batcher.cancel();
    vi.advanceTimersByTime(RENDER_INTERVAL_MS * 2);
    expect(render).toHaveBeenCalledTimes(3);
  });
});
