// The live in-process bus: committed events, per context, to whoever follows that context. It
// holds a bounded queue per subscriber; one that falls too far behind is told so ("overflow")
// and catches up from the log instead, so a slow client costs a database read, not memory.
// Events committed by another server instance do not pass through this bus: the runtime hears
// of them (live.ts) and pokes the context's subscribers, who read them from the log.
import type { SequencedEvent } from "../types.ts";

/**
 * What `next` hands over: events, "overflow" (some were dropped: read the log), `{ behind }`
 * (the log holds events up to seq `behind` that the bus did not carry: read it if not yet that
 * far), or "closed".
 */
export type Delivery = SequencedEvent[] | "overflow" | { behind: number } | "closed";

export interface Subscription {
  /** The events published since the last call, waiting for some if there are none yet. */
  next(): Promise<Delivery>;
  /** Stops the subscription and releases its listeners; `next` then answers "closed". */
  close(): void;
}

interface Subscriber {
  queue: SequencedEvent[];
  overflowed: boolean;
  /** The highest seq the log was said to hold past the bus (poke); 0 for none. */
  behind: number;
  closed: boolean;
  wake: (() => void) | null;
  close: () => void;
}

/** Events a subscriber may have pending before it must catch up from the log. Default 1000. */
const DEFAULT_MAX_QUEUE = 1000;

export class ContextBus {
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  constructor(private readonly maxQueue = DEFAULT_MAX_QUEUE) {}

  subscribe(contextId: string, signal?: AbortSignal): Subscription {
    const subscriber: Subscriber = {
      queue: [],
      overflowed: false,
      behind: 0,
      closed: false,
      wake: null,
      close: () => {
        if (subscriber.closed) return;
        subscriber.closed = true;
        signal?.removeEventListener("abort", subscriber.close);
        const current = this.subscribers.get(contextId);
        current?.delete(subscriber);
        if (current?.size === 0) this.subscribers.delete(contextId);
        subscriber.wake?.();
      },
    };
    let set = this.subscribers.get(contextId);
    if (!set) {
      set = new Set();
      this.subscribers.set(contextId, set);
    }
    set.add(subscriber);

    if (signal?.aborted) subscriber.close();
    else signal?.addEventListener("abort", subscriber.close, { once: true });

    return {
      close: subscriber.close,
      next: async () => {
        for (;;) {
          if (subscriber.closed) return "closed";
          if (subscriber.overflowed) {
            subscriber.overflowed = false;
            return "overflow";
          }
          if (subscriber.queue.length > 0) return subscriber.queue.splice(0);
          if (subscriber.behind > 0) {
            const behind = subscriber.behind;
            subscriber.behind = 0;
            return { behind };
          }
          await new Promise<void>((resolve) => {
            subscriber.wake = resolve;
          });
          subscriber.wake = null;
        }
      },
    };
  }

  /** Hands committed events to the context's subscribers. Call it only after the commit. */
  publish(contextId: string, events: readonly SequencedEvent[]): void {
    if (events.length === 0) return;
    for (const subscriber of this.subscribers.get(contextId) ?? []) {
      if (subscriber.overflowed) continue;
      if (subscriber.queue.length + events.length > this.maxQueue) {
        subscriber.queue = [];
        subscriber.overflowed = true;
      } else {
        subscriber.queue.push(...events);
      }
      subscriber.wake?.();
    }
  }

  /**
   * Tells the context's subscribers that its log holds events up to `seq` (default: an unknown
   * number) that this bus did not carry: committed by another instance, or during a time when
   * its notifications were lost. Each then reads the log past what it has.
   */
  poke(contextId: string, seq = Number.POSITIVE_INFINITY): void {
    for (const subscriber of this.subscribers.get(contextId) ?? []) {
      subscriber.behind = Math.max(subscriber.behind, seq);
      subscriber.wake?.();
    }
  }

  /** The contexts that have subscribers now. */
  contextIds(): string[] {
    return [...this.subscribers.keys()];
  }

  /** Ends every subscription of a context (it was deleted). */
  closeContext(contextId: string): void {
    for (const subscriber of [...(this.subscribers.get(contextId) ?? [])]) subscriber.close();
  }

  /** Ends every subscription (shutdown). */
  closeAll(): void {
    for (const contextId of [...this.subscribers.keys()]) this.closeContext(contextId);
  }

  /** Subscribers of one context, or of all; for tests and diagnostics. */
  size(contextId?: string): number {
    if (contextId !== undefined) return this.subscribers.get(contextId)?.size ?? 0;
    let total = 0;
    for (const set of this.subscribers.values()) total += set.size;
    return total;
  }
}
