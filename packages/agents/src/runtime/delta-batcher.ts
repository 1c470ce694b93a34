// Text batching for a streaming reply. The first delta after a quiet spell is written at once,
// so the first token reaches the client without delay; the ones that follow within the window
// are coalesced into one write when it ends. Whoever writes (the run driver's commit) takes the
// pending text with `take` and confirms it with `written` once its transaction succeeded, so a
// failed write loses nothing.

export interface DeltaBatcherOptions {
  /** The window, in ms: at most one timed write per window. */
  windowMs: number;
  /** Writes the pending text now (through take/written). */
  flush: () => Promise<void>;
  /** Receives an error of a flush the timer ran, which no caller awaits. */
  onTimerError: (error: unknown) => void;
  /** A monotonic clock in ms. Default performance.now. */
  clock?: () => number;
}

export class DeltaBatcher {
  private text = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private readonly clock: () => number;

  constructor(private readonly options: DeltaBatcherOptions) {
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * Adds text: flushed at once after a quiet spell (the promise settles with that write), else
   * when the current window ends.
   */
  add(text: string): Promise<void> {
    this.text += text;
    if (this.timer) return Promise.resolve();
    const wait = this.lastWriteAt + this.options.windowMs - this.clock();
    if (wait <= 0) return this.options.flush();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.options.flush().catch((error: unknown) => this.options.onTimerError(error));
    }, wait);
    return Promise.resolve();
  }

  /** Whether text waits to be written. */
  pending(): boolean {
    return this.text !== "";
  }

  /** The text to write now; a pending timed flush is cancelled (this write takes its place). */
  take(): string {
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.text;
  }

  /** `text` (what `take` gave) is committed: drop it and start a new window. */
  written(text: string): void {
    if (!text) return;
    this.text = this.text.slice(text.length);
    this.lastWriteAt = this.clock();
  }
}
