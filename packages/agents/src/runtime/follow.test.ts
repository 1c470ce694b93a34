import {
  appendContextEvents,
  type Db,
  insertContext,
  migrate,
  openDatabase,
  transaction,
} from "@agent-access/db";
import { beforeEach, describe, expect, it } from "vitest";
import type { SequencedEvent } from "../types.ts";
import { ContextBus } from "./bus.ts";
import { followEvents } from "./follow.ts";

let db: Db;
beforeEach(async () => {
  db = openDatabase(":memory:");
  await migrate(db);
  await insertContext(db, {
    id: "ctx_a",
    contextGroup: "g",
    agentId: "a",
    title: "t",
    autoTitle: false,
    now: 1,
  });
});

/** Appends events to the log (committed) without publishing them. */
async function write(count: number): Promise<SequencedEvent[]> {
  const made = Array.from({ length: count }, (_, i) => ({
    type: "message.completed" as const,
    messageId: `m${i}`,
  }));
  const seqs = await transaction(db, async (tx) => await appendContextEvents(tx, "ctx_a", made, 2));
  return made.map((event, i) => ({ seq: seqs[i]!, event }));
}

async function take(iterator: AsyncIterator<SequencedEvent>, count: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    seqs.push(next.value.seq);
  }
  return seqs;
}

describe("following a context's events", () => {
  it("replays after the given seq, then follows live without duplicates", async () => {
    const bus = new ContextBus();
    await write(3);
    const controller = new AbortController();
    const follow = followEvents({
      db,
      bus,
      contextId: "ctx_a",
      afterSeq: 1,
      signal: controller.signal,
    });
    expect(await take(follow, 2)).toEqual([2, 3]);
    // Published events that the replay already covered are skipped.
    bus.publish("ctx_a", [...(await write(2))]);
    expect(await take(follow, 2)).toEqual([4, 5]);
    controller.abort();
    expect(await follow.next()).toEqual({ done: true, value: undefined });
    expect(bus.size()).toBe(0);
  });

  it("fills a gap from the log when a live event arrives ahead of the next expected seq", async () => {
    const bus = new ContextBus();
    const follow = followEvents({ db, bus, contextId: "ctx_a", afterSeq: 0 });
    const first = take(follow, 4);
    // Seqs 1 to 3 are committed but only 4 is published (as if published out of order).
    await write(3);
    bus.publish("ctx_a", await write(1));
    expect(await first).toEqual([1, 2, 3, 4]);
    await follow.return();
    expect(bus.size()).toBe(0);
  });

  it("catches up from the log after falling behind the bus", async () => {
    const bus = new ContextBus(2);
    const follow = followEvents({ db, bus, contextId: "ctx_a", afterSeq: 0 });
    const started = take(follow, 1);
    bus.publish("ctx_a", await write(1));
    expect(await started).toEqual([1]);
    // Five events while the client is not reading: more than the bus keeps for it.
    for (let i = 0; i < 5; i++) bus.publish("ctx_a", await write(1));
    expect(await take(follow, 5)).toEqual([2, 3, 4, 5, 6]);
    await follow.return();
  });
});

describe("a poke (events another instance committed)", () => {
  it("reads the log past the last seq it has, once", async () => {
    const bus = new ContextBus();
    const follow = followEvents({ db, bus, contextId: "ctx_a", afterSeq: 0 });
    const first = take(follow, 2);
    // Committed elsewhere: in the log, never published on this bus.
    await write(2);
    bus.poke("ctx_a", 2);
    expect(await first).toEqual([1, 2]);
    // A poke about what it already has reads nothing again; the next one brings the new events.
    bus.poke("ctx_a", 2);
    await write(1);
    bus.poke("ctx_a", 3);
    expect(await take(follow, 1)).toEqual([3]);
    await follow.return();
    expect(bus.size()).toBe(0);
  });
});
