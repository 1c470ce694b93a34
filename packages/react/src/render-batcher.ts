// Coalesces re-renders during a fast stream: a reply can bring hundreds of events a second, and
// React need not draw more often than the eye can follow.

/** Re-renders at most every this many ms while events stream in. */
export const RENDER_INTERVAL_MS = 50;

export interface RenderBatcher {
  /** Something changed: render now if the last render is old enough, else at the window's end. */
  schedule(): void;
  /** Render at once (the user's own action must show without delay). */
  flush(): void;
  /** Drop a pending render (unmount). */
  cancel(): void;
}

/**
 * Calls `render` for the first change after a quiet spell at once (the first token is not
 * delayed), then at most once per `intervalMs` for the changes that follow.
 */
export function createRenderBatcher(
  render: () => void,
  intervalMs = RENDER_INTERVAL_MS,
): RenderBatcher {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastRender = Number.NEGATIVE_INFINITY;
  const run = () => {
    timer = null;
    lastRender = Date.now();
    render();
  };
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule() {
      if (timer !== null) return;
      const wait = lastRender + intervalMs - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    flush() {
      cancel();
      run();
    },
    cancel,
  };
}
