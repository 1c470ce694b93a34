import { describe, expect, it } from "vitest";
import { ipRateLimitKey, retryAfterSeconds, TokenBucket } from "./rate-limit.ts";

describe("TokenBucket", () => {
  it("allows a burst of `capacity`, then refuses with the time until the next token", () => {
    const bucket = new TokenBucket({ capacity: 3, refillIntervalMs: 1000 });
    for (let i = 0; i < 3; i++) expect(bucket.take("ip", 0)).toEqual({ allowed: true });
    expect(bucket.take("ip", 0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(bucket.take("ip", 400)).toEqual({ allowed: false, retryAfterMs: 600 });
    expect(bucket.take("other", 400)).toEqual({ allowed: true });
  });

  it("refills one token per interval, never above capacity", () => {
    const bucket = new TokenBucket({ capacity: 2, refillIntervalMs: 1000 });
    bucket.take("ip", 0);
    bucket.take("ip", 0);
    expect(bucket.take("ip", 1000)).toEqual({ allowed: true });
    expect(bucket.take("ip", 1000)).toMatchObject({ allowed: false });
    // A long pause refills to capacity, not beyond.
    expect(bucket.take("ip", 60_000)).toEqual({ allowed: true });
    expect(bucket.take("ip", 60_000)).toEqual({ allowed: true });
    expect(bucket.take("ip", 60_000)).toMatchObject({ allowed: false });
  });

  it("checks without spending, so only failures need to be taken", () => {
    const bucket = new TokenBucket({ capacity: 1, refillIntervalMs: 1000 });
    expect(bucket.check("ip", 0)).toEqual({ allowed: true });
    expect(bucket.check("ip", 0)).toEqual({ allowed: true });
    bucket.take("ip", 0);
    expect(bucket.check("ip", 0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    bucket.reset("ip");
    expect(bucket.check("ip", 0)).toEqual({ allowed: true });
  });

  it("keeps its memory bounded by dropping full buckets, then the stalest", () => {
    const bucket = new TokenBucket({ capacity: 1, refillIntervalMs: 1000, maxKeys: 2 });
    bucket.take("a", 0);
    bucket.take("b", 0);
    bucket.take("c", 0); // over maxKeys, none full yet: the stalest ("a") goes
    expect(bucket.check("a", 0)).toEqual({ allowed: true });
    expect(bucket.check("b", 0)).toMatchObject({ allowed: false });
    expect(bucket.check("c", 0)).toMatchObject({ allowed: false });
  });
});

describe("retryAfterSeconds", () => {
  it("rounds up to whole seconds, at least one", () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(60_000)).toBe(60);
    expect(retryAfterSeconds(60_001)).toBe(61);
  });
});

describe("ipRateLimitKey", () => {
  it("counts IPv4 per address and IPv6 per /64", () => {
    expect(ipRateLimitKey("203.0.113.9")).toBe("203.0.113.9");
    expect(ipRateLimitKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(ipRateLimitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(ipRateLimitKey("2001:DB8:1:2:bbbb:cccc:dddd:eeee")).toBe("2001:db8:1:2::/64");
    expect(ipRateLimitKey("2001:db8::5")).toBe("2001:db8:0:0::/64");
    expect(ipRateLimitKey("::1")).toBe("0:0:0:0::/64");
    expect(ipRateLimitKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(ipRateLimitKey("unknown")).toBe("unknown");
  });
});
