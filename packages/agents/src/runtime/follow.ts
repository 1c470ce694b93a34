// Following a context's log: everything after a given seq from the database, then live events
// from the bus, with no duplicate and no gap. The subscription is taken before the first read of
// the log, so an event committed at any moment is either in what the read returns or delivered
// by the bus afterwards (or both: seqs already yielded are skipped, and a seq that arrives ahead
// of the next expected one is preceded by the missing range, read from the log). Events another
// instance commits reach the bus only as a poke (`{ behind: seq }`): the follower reads the log
// past its last seq, unless it has already read that far.
import { type Db, listContextEvents } from "@agent-access/db";
import type { SequencedEvent } from "../types.ts";
import type { ContextBus } from "./bus.ts";
import { toSequenced } from "./records.ts";

const PAGE = 500;

export async function* followEvents(options: {
  db: Db;
  bus: ContextBus;
  contextId: string;
  afterSeq: number;
  signal?: AbortSignal;
}): AsyncGenerator<SequencedEvent, void, undefined> {
  const { db, bus, contextId, signal } = options;
  const subscription = bus.subscribe(contextId, signal);
  let last = options.afterSeq;

  async function* fromLog(until = Number.POSITIVE_INFINITY): AsyncGenerator<SequencedEvent> {
    for (;;) {
      const rows = await listContextEvents(db, contextId, last, PAGE);
      for (const row of rows) {
        if (row.seq > until || signal?.aborted) return;
        last = row.seq;
        yield toSequenced(row);
      }
      if (rows.length < PAGE) return;
    }
  }

  try {
    yield* fromLog();
    for (;;) {
      const delivery = await subscription.next();
      if (delivery === "closed") return;
      if (delivery === "overflow") {
        yield* fromLog();
        continue;
      }
      if (!Array.isArray(delivery)) {
        if (delivery.behind > last) yield* fromLog();
        continue;
      }
      for (const item of delivery) {
        if (item.seq <= last) continue;
        if (item.seq > last + 1) yield* fromLog(item.seq - 1);
        if (signal?.aborted) return;
        last = item.seq;
        yield item;
      }
    }
  } finally {
    subscription.close();
  }
}
