// In-process rate limits. State lives in this process's memory: each server instance counts on
// its own, and restarting forgets all counts. The server uses them on SQLite (one instance); on
// PostgreSQL the same buckets live in the database, shared by every instance (shared-limits.ts).
import { isIPv6 } from "node:net";

export type RateLimitResult = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface TokenBucketOptions {
  /** Tokens a key starts with: how many attempts may come at once. */
  capacity: number;
  /** One token comes back every this many ms, up to `capacity`. */
  refillIntervalMs: number;
  /** Keys kept before full buckets are swept out. Default 10,000. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (an IP, an account): `take` spends a token per attempt, `check` only
 * looks. To limit failures only, `take` before the attempt and `giveBack` after it succeeds.
 */
export class TokenBucket {
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #refillIntervalMs: number;
  readonly #maxKeys: number;

  constructor(options: TokenBucketOptions) {
    this.#capacity = options.capacity;
    this.#refillIntervalMs = options.refillIntervalMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Whether `key` has a token at `now`, without spending it. */
  check(key: string, now: number): RateLimitResult {
    return this.#verdict(this.#tokens(key, now));
  }

  /** Spends one token of `key` if it has one. */
  take(key: string, now: number): RateLimitResult {
    const tokens = this.#tokens(key, now);
    const verdict = this.#verdict(tokens);
    if (verdict.allowed) {
      this.#buckets.delete(key); // re-inserted last, so the sweep below drops the stalest first
      this.#buckets.set(key, { tokens: tokens - 1, updatedAt: now });
      this.#sweep(now);
    }
    return verdict;
  }

  /**
   * Returns a token `take` spent, for an attempt that turned out not to count: taking first and
   * giving back after makes check and count one step, so concurrent attempts cannot all pass
   * the check before any of them counts.
   */
  giveBack(key: string, now: number): void {
    const bucket = this.#buckets.get(key);
    if (!bucket) return;
    const tokens = this.#tokens(key, now) + 1;
    if (tokens >= this.#capacity) this.#buckets.delete(key);
    else this.#buckets.set(key, { tokens, updatedAt: now });
  }

  /** Forgets `key`, giving it a full bucket. */
  reset(key: string): void {
    this.#buckets.delete(key);
  }

  #tokens(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return this.#capacity;
    const refilled = Math.max(0, now - bucket.updatedAt) / this.#refillIntervalMs;
    return Math.min(this.#capacity, bucket.tokens + refilled);
  }

  #verdict(tokens: number): RateLimitResult {
    if (tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterMs: Math.ceil((1 - tokens) * this.#refillIntervalMs) };
  }

  #sweep(now: number): void {
    if (this.#buckets.size <= this.#maxKeys) return;
    for (const [key] of this.#buckets) {
      if (this.#tokens(key, now) >= this.#capacity) this.#buckets.delete(key);
    }
    // Memory must stay bounded even under a flood of fresh keys: drop the least recently used.
    for (const [key] of this.#buckets) {
      if (this.#buckets.size <= this.#maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}

/** Whole seconds for a Retry-After header: rounded up, at least 1. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/**
 * The rate-limit key for a client address. An IPv6 user usually holds a whole /64, so IPv6
 * addresses count by their /64; IPv4 (also IPv4-mapped IPv6) counts per address.
 */
export function ipRateLimitKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = "", tail] = ip.toLowerCase().split("%")[0]!.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array(8 - headGroups.length - tailGroups.length).fill("0"),
          ...tailGroups,
        ];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}
