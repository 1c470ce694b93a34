// Group commit of the replies' text. Every streaming reply commits its text once per delta
// window (run-driver.ts); with a thousand replies at once, a commit each is a thousand
// transactions a window, on PostgreSQL each a round trip and a log flush. The group writes the
// texts that wait at the same moment in one batch (`commitRunTexts`: one statement on
// PostgreSQL, one transaction on SQLite). It adds no wait of its own: a text that arrives while
// fewer than `maxInFlight` batches are being written leaves at once, alone if need be; the
// texts that arrive while they are all busy wait for the first to end and leave together.

import { isDatabaseUnavailable, type RunText } from "@agent-access/db";

export interface TextCommitGroupOptions {
  /** Commits a batch: each text's seqs, or null where the run's claim did not hold. */
  write: (texts: readonly RunText[]) => Promise<(number[] | null)[]>;
  /** Batches written at the same time. */
  maxInFlight: number;
  /** The most texts in one batch. */
  maxTexts: number;
  /** The most characters of message parts in one batch (a single larger text goes alone). */
  maxChars: number;
}

/**
 * Two batches at a time, of up to 500 texts and 4 MB of parts: at 1,000 replies streaming at
 * once, batches of about 250 (benchmark 4, docs/benchmarks.md).
 */
export const TEXT_COMMIT_LIMITS = { maxInFlight: 2, maxTexts: 500, maxChars: 4_000_000 };

interface Waiting {
  text: RunText;
  resolve: (seqs: number[] | null) => void;
  reject: (error: unknown) => void;
}

export class TextCommitGroup {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly options: TextCommitGroupOptions) {}

  /**
   * Commits `text` with the others waiting: its seqs once its batch committed, or null if its
   * run's claim did not hold (nothing of it written). Texts of one context leave in the order
   * they came, in different batches.
   */
  submit(text: RunText): Promise<number[] | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ text, resolve, reject });
      this.start();
    });
  }

  private start(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.start();
      });
    }
  }

  /** The next batch, oldest first: one text per context, within the limits. */
  private take(): Waiting[] {
    const batch: Waiting[] = [];
    const left: Waiting[] = [];
    const contexts = new Set<string>();
    let chars = 0;
    for (const waiting of this.waiting) {
      const { contextId, parts } = waiting.text;
      const fits =
        batch.length === 0 ||
        (batch.length < this.options.maxTexts && chars + parts.length <= this.options.maxChars);
      if (fits && !contexts.has(contextId)) {
        batch.push(waiting);
        contexts.add(contextId);
        chars += parts.length;
      } else {
        left.push(waiting);
      }
    }
    this.waiting = left;
    return batch;
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const seqs = await this.options.write(batch.map((waiting) => waiting.text));
      for (const [index, waiting] of batch.entries()) waiting.resolve(seqs[index] ?? null);
    } catch (error) {
      // A batch that failed wrote nothing. Unless the database is out of reach (the commit's
      // outcome then unknown), each text is tried alone, so that one text's error (or a
      // deadlock) does not fail the others.
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      await Promise.all(
        batch.map((waiting) =>
          this.options.write([waiting.text]).then(
            (seqs) => waiting.resolve(seqs[0] ?? null),
            (alone: unknown) => waiting.reject(alone),
          ),
        ),
      );
    }
  }
}
