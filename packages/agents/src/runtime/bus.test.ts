import { describe, expect, it } from "vitest";
import type { SequencedEvent } from "../types.ts";
import { ContextBus } from "./bus.ts";

function events(...seqs: number[]): SequencedEvent[] {
  return seqs.map((seq) => ({ seq, event: { type: "message.completed", messageId: `m${seq}` } }));
}

describe("the live bus", () => {
  it("delivers a context's events to its subscribers only, in order", async () => {
    const bus = new ContextBus();
    const a = bus.subscribe("ctx_a");
    const b = bus.subscribe("ctx_b");
    bus.publish("ctx_a", events(1, 2));
    bus.publish("ctx_a", events(3));
    expect(await a.next()).toEqual(events(1, 2, 3));
    const waiting = a.next();
    bus.publish("ctx_a", events(4));
    expect(await waiting).toEqual(events(4));
    bus.publish("ctx_b", events(1));
    expect(await b.next()).toEqual(events(1));
  });

  it("releases a subscriber and its abort listener when the signal aborts", async () => {
    const bus = new ContextBus();
    const controller = new AbortController();
    const subscription = bus.subscribe("ctx_a", controller.signal);
    const pending = subscription.next();
    expect(bus.size("ctx_a")).toBe(1);
    controller.abort();
    expect(await pending).toBe("closed");
    expect(bus.size()).toBe(0);
    // An already aborted signal never registers.
    bus.subscribe("ctx_a", controller.signal);
    expect(bus.size()).toBe(0);
  });

  it("tells a subscriber that falls too far behind to catch up from the log", async () => {
    const bus = new ContextBus(3);
    const slow = bus.subscribe("ctx_a");
    bus.publish("ctx_a", events(1, 2));
    bus.publish("ctx_a", events(3, 4));
    bus.publish("ctx_a", events(5));
    expect(await slow.next()).toBe("overflow");
    bus.publish("ctx_a", events(6));
    expect(await slow.next()).toEqual(events(6));
  });

  it("ends the subscriptions of a deleted context, and all at shutdown", async () => {
    const bus = new ContextBus();
    const a = bus.subscribe("ctx_a");
    const b = bus.subscribe("ctx_b");
    bus.closeContext("ctx_a");
    expect(await a.next()).toBe("closed");
    expect(bus.size()).toBe(1);
    bus.closeAll();
    expect(await b.next()).toBe("closed");
    expect(bus.size()).toBe(0);
  });
});
