// An escalating lock per account after repeated failed sign-ins, in process memory (one
// instance's own; the database keeps the same lock for all instances on PostgreSQL:
// shared-limits.ts). Unknown accounts lock exactly like real ones, so a lock tells nothing about
// whether an email is registered.
import { type LockShape, lockLengthMs } from "@agent-access/db";
import type { RateLimitResult } from "./rate-limit.ts";

export interface AccountLockOptions {
  /** The failure that starts the first lock; the ones before it are free. Default 5. */
  lockAfterFailures?: number;
  /** Length of the first lock; each further failure doubles it. Default 60 s. */
  firstLockMs?: number;
  /** The longest lock. Default 15 min. */
  maxLockMs?: number;
  /** Failures are forgotten this long after the last one. Default 24 h. */
  forgetAfterMs?: number;
  /** Accounts kept before forgotten ones are swept out. Default 10,000. */
  maxKeys?: number;
}

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/** The options with their defaults filled in. */
export function lockOptionsWithDefaults(options: AccountLockOptions): LockShape {
  return {
    lockAfterFailures: options.lockAfterFailures ?? 5,
    firstLockMs: options.firstLockMs ?? 60_000,
    maxLockMs: options.maxLockMs ?? 15 * 60_000,
    forgetAfterMs: options.forgetAfterMs ?? 24 * 60 * 60_000,
  };
}

export class AccountLock {
  readonly #accounts = new Map<string, Failures>();
  readonly #shape: LockShape;
  readonly #forgetAfterMs: number;
  readonly #maxKeys: number;

  constructor(options: AccountLockOptions = {}) {
    this.#shape = lockOptionsWithDefaults(options);
    this.#forgetAfterMs = this.#shape.forgetAfterMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Whether `account` may try to sign in at `now`. */
  check(account: string, now: number): RateLimitResult {
    const failures = this.#accounts.get(account);
    if (!failures || failures.lockedUntil <= now) return { allowed: true };
    return { allowed: false, retryAfterMs: failures.lockedUntil - now };
  }

  /** Counts a failed attempt; returns the lock it starts, if it starts one. */
  recordFailure(account: string, now: number): RateLimitResult {
    const previous = this.#accounts.get(account);
    const count = previous && now - previous.lastAt < this.#forgetAfterMs ? previous.count + 1 : 1;
    const lockMs = lockLengthMs(count, this.#shape);
    this.#accounts.delete(account);
    this.#accounts.set(account, { count, lastAt: now, lockedUntil: now + lockMs });
    this.#sweep(now);
    return lockMs === 0 ? { allowed: true } : { allowed: false, retryAfterMs: lockMs };
  }

  /** Forgets the failures of `account`, after a successful sign-in. */
  reset(account: string): void {
    this.#accounts.delete(account);
  }

  #sweep(now: number): void {
    if (this.#accounts.size <= this.#maxKeys) return;
    for (const [account, failures] of this.#accounts) {
      if (now - failures.lastAt >= this.#forgetAfterMs && failures.lockedUntil <= now) {
        this.#accounts.delete(account);
      }
    }
    // Memory must stay bounded under a flood of fresh emails: drop the stalest unlocked
    // accounts first, and locked ones only if that is still not enough.
    for (const lockedToo of [false, true]) {
      for (const [account, failures] of this.#accounts) {
        if (this.#accounts.size <= this.#maxKeys) return;
        if (lockedToo || failures.lockedUntil <= now) this.#accounts.delete(account);
      }
    }
  }
}
