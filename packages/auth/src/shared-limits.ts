// The limits as the server uses them: one async interface, two stores. On PostgreSQL (several
// instances) the counts live in the database (packages/db/src/rate-limits.ts), so every
// instance counts against the same figures; on SQLite (one instance) they stay in this
// process's memory (TokenBucket, AccountLock), as they always were. Callers never branch on the
// dialect: `createRateLimiter` and `createAccountLimiter` pick the store.
import {
  type BucketShape,
  checkAccountLock,
  checkRateLimit,
  type Db,
  dialectOf,
  giveBackRateLimit,
  type LockShape,
  type RateLimitTake,
  resetAccountLock,
  resetRateLimit,
  takeAccountAttempt,
  takeRateLimit,
  takeRateLimits,
} from "@agent-access/db";
import { AccountLock, type AccountLockOptions, lockOptionsWithDefaults } from "./account-lock.ts";
import { type RateLimitResult, TokenBucket, type TokenBucketOptions } from "./rate-limit.ts";

/**
 * A token bucket per key: `take` spends a token per attempt, `check` only looks. To limit
 * failures only, `take` before the attempt and `giveBack` after it succeeds.
 */
export interface RateLimiter {
  /** Whether `key` has a token at `now`, without spending it. */
  check(key: string, now: number): Promise<RateLimitResult>;
  /** Spends one token of `key` if it has one; check and spend are one step. */
  take(key: string, now: number): Promise<RateLimitResult>;
  /** Returns a token `take` spent, for an attempt that turned out not to count. */
  giveBack(key: string, now: number): Promise<void>;
  /** Forgets `key`, giving it a full bucket. */
  reset(key: string): Promise<void>;
}

/** The escalating lock per account after failed sign-ins (see account-lock.ts). */
export interface AccountLimiter {
  /** Whether `account` may try to sign in at `now`. */
  check(account: string, now: number): Promise<RateLimitResult>;
  /**
   * A sign-in attempt on `account`: refused while the account is locked; otherwise counted as a
   * failure at once (check and count are one step, so attempts arriving together see each
   * other) and allowed, even if it is the one that starts a lock. A success calls `reset`.
   */
  attempt(account: string, now: number): Promise<RateLimitResult>;
  /** Forgets the failures of `account`, after a successful sign-in. */
  reset(account: string): Promise<void>;
}

/** A RateLimiter in this process's memory: one instance's own counts. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #bucket: TokenBucket;

  constructor(options: TokenBucketOptions) {
    this.#bucket = new TokenBucket(options);
  }

  async check(key: string, now: number): Promise<RateLimitResult> {
    return this.#bucket.check(key, now);
  }

  async take(key: string, now: number): Promise<RateLimitResult> {
    return this.#bucket.take(key, now);
  }

  async giveBack(key: string, now: number): Promise<void> {
    this.#bucket.giveBack(key, now);
  }

  async reset(key: string): Promise<void> {
    this.#bucket.reset(key);
  }
}

/** A RateLimiter in the database: the `name` bucket of every instance on it. */
export class DatabaseRateLimiter implements RateLimiter {
  readonly #db: Db;
  readonly #name: string;
  readonly #shape: BucketShape;

  constructor(db: Db, name: string, options: TokenBucketOptions) {
    this.#db = db;
    this.#name = name;
    // Whole milliseconds: the bucket is kept as a BIGINT moment, and a rate that does not divide
    // a minute (7 per minute: 8571.43 ms) would not fit it. Rounded up, the refill is slower by
    // less than a millisecond per token, never faster.
    this.#shape = { capacity: options.capacity, intervalMs: Math.ceil(options.refillIntervalMs) };
  }

  check(key: string, now: number): Promise<RateLimitResult> {
    return checkRateLimit(this.#db, this.#name, key, this.#shape, now);
  }

  take(key: string, now: number): Promise<RateLimitResult> {
    return takeRateLimit(this.#db, this.#name, key, this.#shape, now);
  }

  giveBack(key: string): Promise<void> {
    return giveBackRateLimit(this.#db, this.#name, key, this.#shape);
  }

  reset(key: string): Promise<void> {
    return resetRateLimit(this.#db, this.#name, key);
  }

  /** Where `key`'s bucket lives, for `takeEach` to take it with others in one statement. */
  bucketOf(key: string): { db: Db; take: RateLimitTake } {
    return { db: this.#db, take: { limiter: this.#name, subject: key, shape: this.#shape } };
  }
}

/**
 * Takes a token of each `[limiter, key]` at `now`, as `limiter.take(key, now)` would, the
 * answers in the same order: for a call several limits count. Buckets in the database (of
 * distinct limiters on one database) are taken in one statement instead of one each; buckets in
 * memory, at once. If it throws, no token stays taken.
 */
export async function takeEach(
  takes: readonly (readonly [limiter: RateLimiter, key: string])[],
  now: number,
): Promise<RateLimitResult[]> {
  const buckets = takes.map(([limiter, key]) =>
    limiter instanceof DatabaseRateLimiter ? limiter.bucketOf(key) : null,
  );
  const db = buckets[0]?.db;
  const names = new Set(buckets.map((bucket) => bucket?.take.limiter));
  if (
    takes.length > 1 &&
    names.size === takes.length &&
    buckets.every((bucket) => bucket !== null && bucket.db === db)
  ) {
    // One statement: it takes what it answers allowed, or nothing when it fails.
    return await takeRateLimits(
      db!,
      buckets.map((bucket) => bucket!.take),
      now,
    );
  }
  const verdicts = await Promise.allSettled(takes.map(([limiter, key]) => limiter.take(key, now)));
  const failed = verdicts.find((verdict) => verdict.status === "rejected");
  if (failed) {
    await Promise.all(
      takes.map(async ([limiter, key], i) => {
        const verdict = verdicts[i]!;
        if (verdict.status === "fulfilled" && verdict.value.allowed) {
          await limiter.giveBack(key, now);
        }
      }),
    );
    throw failed.reason;
  }
  return verdicts.map((verdict) => (verdict as PromiseFulfilledResult<RateLimitResult>).value);
}

/** An AccountLimiter in this process's memory. */
export class MemoryAccountLimiter implements AccountLimiter {
  readonly #lock: AccountLock;

  constructor(options: AccountLockOptions = {}) {
    this.#lock = new AccountLock(options);
  }

  async check(account: string, now: number): Promise<RateLimitResult> {
    return this.#lock.check(account, now);
  }

  async attempt(account: string, now: number): Promise<RateLimitResult> {
    const verdict = this.#lock.check(account, now);
    if (verdict.allowed) this.#lock.recordFailure(account, now);
    return verdict;
  }

  async reset(account: string): Promise<void> {
    this.#lock.reset(account);
  }
}

/** An AccountLimiter in the database, shared by every instance on it. */
export class DatabaseAccountLimiter implements AccountLimiter {
  readonly #db: Db;
  readonly #shape: LockShape;

  constructor(db: Db, options: AccountLockOptions = {}) {
    this.#db = db;
    this.#shape = lockOptionsWithDefaults(options);
  }

  check(account: string, now: number): Promise<RateLimitResult> {
    return checkAccountLock(this.#db, account, now);
  }

  attempt(account: string, now: number): Promise<RateLimitResult> {
    return takeAccountAttempt(this.#db, account, this.#shape, now);
  }

  reset(account: string): Promise<void> {
    return resetAccountLock(this.#db, account);
  }
}

/**
 * The `name` rate limit (a name per limit: "sign-in", "exchange"…): in the database on
 * PostgreSQL, so that all instances share it; in memory on SQLite.
 */
export function createRateLimiter(db: Db, name: string, options: TokenBucketOptions): RateLimiter {
  return dialectOf(db) === "postgres"
    ? new DatabaseRateLimiter(db, name, options)
    : new MemoryRateLimiter(options);
}

/** The account lock: in the database on PostgreSQL, in memory on SQLite. */
export function createAccountLimiter(db: Db, options: AccountLockOptions = {}): AccountLimiter {
  return dialectOf(db) === "postgres"
    ? new DatabaseAccountLimiter(db, options)
    : new MemoryAccountLimiter(options);
}
