// Rate-limit state in the database (PostgreSQL, migration 0010), so that every instance counts
// the same attempts. Each function is one atomic statement or one short transaction: instances
// racing on one key never both spend its last token. The arithmetic of the limits themselves
// (refill, escalating locks) is the caller's (packages/auth/src/limits.ts); this file only keeps
// the numbers. PostgreSQL only: SQLite, one process, keeps its limits in memory.
import type { Db } from "./connection.ts";
import { get, run, transaction } from "./sql.ts";

export interface BucketSpec {
  /** Which limit, e.g. "sign-in-ip". */
  name: string;
  capacity: number;
  refillIntervalMs: number;
}

/** The tokens of `key` at `now` after refill (`capacity` for an unknown key). */
export async function bucketTokens(
  db: Db,
  spec: BucketSpec,
  key: string,
  now: number,
): Promise<number> {
  const row = await get<{ tokens: number; updated_at: number }>(
    db,
    "SELECT tokens, updated_at FROM limit_bucket WHERE name = ? AND key = ?",
    [spec.name, key],
  );
  if (!row) return spec.capacity;
  const refilled = Math.max(0, now - row.updated_at) / spec.refillIntervalMs;
  return Math.min(spec.capacity, row.tokens + refilled);
}

/**
 * Spends one token of `key` if, refilled to `now`, it has one; returns whether it did. One
 * upsert: the row lock it takes orders racing instances, and the WHERE sees the winner's write.
 */
export async function takeBucketToken(
  db: Db,
  spec: BucketSpec,
  key: string,
  now: number,
): Promise<boolean> {
  if (spec.capacity < 1) return false;
  const refilled = `LEAST(CAST(:capacity AS float8), limit_bucket.tokens
    + CAST(GREATEST(0, CAST(:now AS bigint) - limit_bucket.updated_at) AS float8)
      / CAST(:interval AS float8))`;
  const row = await get(
    db,
    `INSERT INTO limit_bucket AS limit_bucket (name, key, tokens, updated_at)
     VALUES (:name, :key, CAST(:capacity AS float8) - 1, CAST(:now AS bigint))
     ON CONFLICT (name, key) DO UPDATE SET tokens = ${refilled} - 1, updated_at = CAST(:now AS bigint)
       WHERE ${refilled} >= 1
     RETURNING tokens`,
    { name: spec.name, key, capacity: spec.capacity, now, interval: spec.refillIntervalMs },
  );
  return row !== undefined;
}

/** Forgets `key`: a full bucket again. */
export async function resetBucket(db: Db, name: string, key: string): Promise<void> {
  await run(db, "DELETE FROM limit_bucket WHERE name = ? AND key = ?", [name, key]);
}

export interface AccountFailures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

/** The failures recorded for `account`, if any. */
export function accountFailures(db: Db, account: string): Promise<AccountFailures | undefined> {
  return get<AccountFailures>(
    db,
    `SELECT count, last_at AS "lastAt", locked_until AS "lockedUntil"
       FROM account_failure WHERE account = ?`,
    [account],
  );
}

/**
 * Records a failure of `account`: `next` computes the new state from the previous one (or
 * undefined), under the row's lock, so failures on different instances all count. The row is
 * made first (empty) so that even two first failures at once queue on one lock.
 */
export function recordAccountFailure(
  db: Db,
  account: string,
  next: (previous: AccountFailures | undefined) => AccountFailures,
): Promise<AccountFailures> {
  return transaction(db, async (tx) => {
    await run(
      tx,
      `INSERT INTO account_failure (account, count, last_at, locked_until) VALUES (?, 0, 0, 0)
       ON CONFLICT (account) DO NOTHING`,
      [account],
    );
    const row = await get<AccountFailures>(
      tx,
      `SELECT count, last_at AS "lastAt", locked_until AS "lockedUntil"
         FROM account_failure WHERE account = ? FOR UPDATE`,
      [account],
    );
    const state = next(row && row.count > 0 ? row : undefined);
    await run(
      tx,
      "UPDATE account_failure SET count = ?, last_at = ?, locked_until = ? WHERE account = ?",
      [state.count, state.lastAt, state.lockedUntil, account],
    );
    return state;
  });
}

/** Forgets the failures of `account`. */
export async function resetAccountFailures(db: Db, account: string): Promise<void> {
  await run(db, "DELETE FROM account_failure WHERE account = ?", [account]);
}

/**
 * Deletes rows that no longer limit anything: buckets idle since before `bucketsBefore`, and
 * accounts whose last failure is before `accountsBefore` and that are not locked.
 */
export async function sweepLimits(
  db: Db,
  now: number,
  bucketsBefore: number,
  accountsBefore: number,
): Promise<void> {
  await run(db, "DELETE FROM limit_bucket WHERE updated_at < ?", [bucketsBefore]);
  await run(db, "DELETE FROM account_failure WHERE last_at < ? AND locked_until <= ?", [
    accountsBefore,
    now,
  ]);
}
