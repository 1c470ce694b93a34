// The live in-process bus: committed events, per context, to whoever follows that context. It
// holds a bounded queue per subscriber; one that falls too far behind is told so ("overflow")
// and catches up from the log instead, so a slow client costs a database read, not memory.
import type { SequencedEvent } from "../types.ts";

export type Delivery = SequencedEvent[] | "overflow" | "closed";

export interface Subscription {
  /** The events published since the last call, waiting for some if there are none yet. */
  next(): Promise<Delivery>;
  /** Stops the subscription and releases its listeners; `next` then answers "closed". */
  close(): void;
}

interface Subscriber {
  queue: SequencedEvent[];
  overflowed: boolean;
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
