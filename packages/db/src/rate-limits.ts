// Rate limits and account locks kept in the database, so that several server instances count
// against the same figures (PostgreSQL; on SQLite the server counts in memory, see
// packages/auth/src/shared-limits.ts). Every change is one statement on one row, so concurrent
// instances never lose a count: the row is locked by the statement itself (PostgreSQL) or the
// database (SQLite). Subjects are stored as SHA-256 hashes, never as the address or email they
// count, and rows are deleted once they limit nothing (`pruneLimits`).
import { createHash } from "node:crypto";
import type { Db } from "./connection.ts";
import { all, get, run } from "./sql.ts";

/** The hash a subject (a client address, an email) is stored under. */
function hashed(subject: string): string {
  return createHash("sha256").update(subject).digest("base64url");
}

/** A token bucket: `capacity` at once, then one more every `intervalMs`. */
export interface BucketShape {
  capacity: number;
  intervalMs: number;
}

/** What a limit answers: allowed, or refused with how long to wait. */
export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

// A bucket is kept as the moment it is full again (`full_at`): each token taken moves it one
// interval later, from now at the earliest. It holds a token while `full_at - now` is at most
// (capacity - 1) intervals. Taking is one upsert whose update applies only if a token is there;
// a refused take changes nothing and returns no row.
const TAKE = `
  INSERT INTO rate_limit (limiter, subject, full_at) VALUES (:limiter, :subject, :first)
  ON CONFLICT (limiter, subject) DO UPDATE
    SET full_at = CASE WHEN rate_limit.full_at > :now THEN rate_limit.full_at ELSE :now END
                  + :interval
    WHERE rate_limit.full_at - :now <= :burst
  RETURNING full_at`;

function burstOf(shape: BucketShape): number {
  return (shape.capacity - 1) * shape.intervalMs;
}

async function fullAt(db: Db, limiter: string, subject: string): Promise<number | undefined> {
  const row = await get<{ full_at: number }>(
    db,
    "SELECT full_at FROM rate_limit WHERE limiter = ? AND subject = ?",
    [limiter, hashed(subject)],
  );
  return row?.full_at;
}

function verdictOf(full: number | undefined, shape: BucketShape, now: number): LimitVerdict {
  const over = full === undefined ? Number.NEGATIVE_INFINITY : full - now - burstOf(shape);
  if (over <= 0) return { allowed: true };
  return { allowed: false, retryAfterMs: Math.ceil(over) };
}

/** Whether `subject` has a token in the `limiter` bucket at `now`, without spending it. */
export async function checkRateLimit(
  db: Db,
  limiter: string,
  subject: string,
  shape: BucketShape,
  now: number,
): Promise<LimitVerdict> {
  return verdictOf(await fullAt(db, limiter, subject), shape, now);
}

/** Spends one token of `subject` in the `limiter` bucket if it has one (one atomic upsert). */
export async function takeRateLimit(
  db: Db,
  limiter: string,
  subject: string,
  shape: BucketShape,
  now: number,
): Promise<LimitVerdict> {
  const taken = await get<{ full_at: number }>(db, TAKE, {
    limiter,
    subject: hashed(subject),
    first: now + shape.intervalMs,
    now,
    interval: shape.intervalMs,
    burst: burstOf(shape),
  });
  if (taken) return { allowed: true };
  return await refused(db, limiter, subject, shape, now);
}

/**
 * The answer to a take that found no token: when the bucket is full again, read after the take
 * (a statement of its own).
 */
async function refused(
  db: Db,
  limiter: string,
  subject: string,
  shape: BucketShape,
  now: number,
): Promise<LimitVerdict> {
  const verdict = await checkRateLimit(db, limiter, subject, shape, now);
  // Refilled (or reset) since the take: still refused, and soon worth a retry.
  return verdict.allowed ? { allowed: false, retryAfterMs: 1 } : verdict;
}

/** A bucket `takeRateLimits` takes from: the `limiter` bucket of `subject`. */
export interface RateLimitTake {
  limiter: string;
  subject: string;
  shape: BucketShape;
}

/**
 * Spends one token in each bucket of `takes` that has one, in one statement: a multi-row form of
 * `takeRateLimit`'s upsert, for a call that several limits count (a message counts against its
 * session's and its group's). Each bucket is judged on its own, exactly as `takeRateLimit`
 * judges it: a bucket without a token is left as it is and answered refused (the caller gives
 * back what the others took, as after separate takes). The statement is atomic, so it takes all
 * that it answers allowed or, if it fails, nothing. Buckets are locked in one order (sorted),
 * so that two such statements on the same buckets cannot deadlock. The answers follow `takes`.
 */
export async function takeRateLimits(
  db: Db,
  takes: readonly RateLimitTake[],
  now: number,
): Promise<LimitVerdict[]> {
  if (takes.length === 0) return [];
  if (takes.length === 1) {
    const [only] = takes as [RateLimitTake];
    return [await takeRateLimit(db, only.limiter, only.subject, only.shape, now)];
  }
  const rows = takes
    .map((take, index) => ({ ...take, hash: hashed(take.subject), index }))
    .sort((a, b) =>
      a.limiter === b.limiter ? (a.hash < b.hash ? -1 : 1) : a.limiter < b.limiter ? -1 : 1,
    );
  // A row is updated once per statement at most: two takes of one bucket are one mistake.
  const limiters = new Set(rows.map((row) => row.limiter));
  if (limiters.size !== rows.length) {
    throw new Error("takeRateLimits: at most one take per limiter in one statement");
  }
  const params: unknown[] = [];
  const values = rows.map((row) => {
    params.push(row.limiter, row.hash, now + row.shape.intervalMs);
    return "(?, ?, ?)";
  });
  // The interval of the row is its inserted full_at less now; its burst is the limiter's.
  params.push(now, now, now, now);
  const bursts = rows.map((row) => {
    params.push(row.limiter, burstOf(row.shape));
    return "WHEN ? THEN CAST(? AS BIGINT)";
  });
  const taken = await all<{ limiter: string }>(
    db,
    `INSERT INTO rate_limit (limiter, subject, full_at) VALUES ${values.join(", ")}
     ON CONFLICT (limiter, subject) DO UPDATE
       SET full_at = CASE WHEN rate_limit.full_at > ? THEN rate_limit.full_at ELSE ? END
                     + (excluded.full_at - ?)
       WHERE rate_limit.full_at - ? <= CASE rate_limit.limiter ${bursts.join(" ")} END
     RETURNING limiter`,
    params,
  );
  const allowed = new Set(taken.map((row) => row.limiter));
  return await Promise.all(
    takes.map(async (take): Promise<LimitVerdict> => {
      if (allowed.has(take.limiter)) return { allowed: true };
      return await refused(db, take.limiter, take.subject, take.shape, now);
    }),
  );
}

/** Returns a token `takeRateLimit` spent, for an attempt that turned out not to count. */
export async function giveBackRateLimit(
  db: Db,
  limiter: string,
  subject: string,
  shape: BucketShape,
): Promise<void> {
  await run(db, "UPDATE rate_limit SET full_at = full_at - ? WHERE limiter = ? AND subject = ?", [
    shape.intervalMs,
    limiter,
    hashed(subject),
  ]);
}

/** Forgets `subject` in the `limiter` bucket: a full bucket again. */
export async function resetRateLimit(db: Db, limiter: string, subject: string): Promise<void> {
  await run(db, "DELETE FROM rate_limit WHERE limiter = ? AND subject = ?", [
    limiter,
    hashed(subject),
  ]);
}

/** The escalating lock after failed sign-ins (see packages/auth/src/account-lock.ts). */
export interface LockShape {
  /** The failure that starts the first lock. */
  lockAfterFailures: number;
  /** Length of the first lock; each further failure doubles it. */
  firstLockMs: number;
  /** The longest lock. */
  maxLockMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetAfterMs: number;
}

/** How long the `failures`-th failure in a row locks the account (0: not at all). */
export function lockLengthMs(failures: number, shape: LockShape): number {
  const excess = failures - shape.lockAfterFailures;
  return excess < 0 ? 0 : Math.min(shape.maxLockMs, shape.firstLockMs * 2 ** excess);
}

/** Whether `account` may try to sign in at `now`. */
export async function checkAccountLock(
  db: Db,
  account: string,
  now: number,
): Promise<LimitVerdict> {
  const row = await get<{ locked_until: number }>(
    db,
    "SELECT locked_until FROM account_failure WHERE subject = ?",
    [hashed(account)],
  );
  if (!row || row.locked_until <= now) return { allowed: true };
  return { allowed: false, retryAfterMs: row.locked_until - now };
}

// The failures in a row that this attempt makes (counting restarts once they are forgotten),
// and the lock it starts: firstLockMs doubled per failure past lockAfterFailures, at most
// maxLockMs (the exponent held below 40, where the cap has long been reached, so that power()
// cannot overflow). Both refer to the row as it was, as every SET expression does.
const FAILURES = `CASE WHEN account_failure.forget_at > :now
                       THEN account_failure.failures + 1 ELSE 1 END`;
const EXPONENT = `CASE WHEN ${FAILURES} - :lockAfter > 40 THEN 40
                       ELSE ${FAILURES} - :lockAfter END`;
const LOCK_MS = `CASE WHEN :firstLock * power(2, ${EXPONENT}) > :maxLock THEN :maxLock
                      ELSE :firstLock * power(2, ${EXPONENT}) END`;

// One statement: an unlocked account's attempt is counted and may start the lock; a locked
// account's changes nothing and returns no row. Concurrent attempts on any instance therefore
// each see the ones before them: no burst gets past the lock.
const ATTEMPT = `
  INSERT INTO account_failure (subject, failures, forget_at, locked_until)
    VALUES (:subject, 1, :forgetAt, :firstLockedUntil)
  ON CONFLICT (subject) DO UPDATE
    SET failures = ${FAILURES},
        forget_at = :forgetAt,
        locked_until = CASE WHEN ${FAILURES} < :lockAfter THEN account_failure.locked_until
                            ELSE CAST(:now + ${LOCK_MS} AS BIGINT) END
    WHERE account_failure.locked_until <= :now
  RETURNING failures, locked_until`;

/**
 * Counts a sign-in attempt on `account` as a failure, unless the account is locked, in one
 * atomic statement; a success forgets it again (`resetAccountLock`). Counting before the
 * password is checked means that attempts arriving together see each other: a burst from any
 * number of instances gets no more guesses than a sequence. Refused (with the lock's remaining
 * time) while locked; the attempt that starts a lock is itself allowed.
 */
export async function takeAccountAttempt(
  db: Db,
  account: string,
  shape: LockShape,
  now: number,
): Promise<LimitVerdict> {
  const firstLockMs = lockLengthMs(1, shape);
  const counted = await get<{ failures: number; locked_until: number }>(db, ATTEMPT, {
    subject: hashed(account),
    forgetAt: now + shape.forgetAfterMs,
    firstLockedUntil: firstLockMs === 0 ? 0 : now + firstLockMs,
    now,
    lockAfter: shape.lockAfterFailures,
    firstLock: shape.firstLockMs,
    maxLock: shape.maxLockMs,
  });
  if (counted) return { allowed: true };
  const verdict = await checkAccountLock(db, account, now);
  // Unlocked (or reset) between the two statements: still refused, and soon worth a retry.
  return verdict.allowed ? { allowed: false, retryAfterMs: 1 } : verdict;
}

/** Forgets the failures (and any lock) of `account`, after a successful sign-in. */
export async function resetAccountLock(db: Db, account: string): Promise<void> {
  await run(db, "DELETE FROM account_failure WHERE subject = ?", [hashed(account)]);
}

export interface PruneLimitsOptions {
  /** Rows kept per table; the ones that limit least are deleted beyond it. Default 100,000. */
  maxRows?: number;
}

/** Rows `pruneLimits` deleted, per table. */
export interface PrunedLimits {
  rateLimits: number;
  accountFailures: number;
}

async function countOf(db: Db, table: "rate_limit" | "account_failure"): Promise<number> {
  return (await get<{ n: number }>(db, `SELECT count(*) AS n FROM ${table}`))!.n;
}

/**
 * Deletes the rows that limit nothing any more (full buckets, forgotten unlocked accounts) and,
 * if a table still holds more than `maxRows` (a flood of fresh addresses or emails), the ones
 * that limit least: the buckets closest to full, then the unlocked accounts forgotten soonest,
 * locked ones last. The server runs it every minute; any instance may, at any time.
 */
export async function pruneLimits(
  db: Db,
  now: number,
  options: PruneLimitsOptions = {},
): Promise<PrunedLimits> {
  const maxRows = options.maxRows ?? 100_000;
  let rateLimits = await run(db, "DELETE FROM rate_limit WHERE full_at <= ?", [now]);
  let accountFailures = await run(
    db,
    "DELETE FROM account_failure WHERE forget_at <= ? AND locked_until <= ?",
    [now, now],
  );
  const rateExcess = (await countOf(db, "rate_limit")) - maxRows;
  if (rateExcess > 0) {
    rateLimits += await run(
      db,
      `DELETE FROM rate_limit WHERE (limiter, subject) IN
         (SELECT limiter, subject FROM rate_limit ORDER BY full_at LIMIT ?)`,
      [rateExcess],
    );
  }
  const accountExcess = (await countOf(db, "account_failure")) - maxRows;
  if (accountExcess > 0) {
    accountFailures += await run(
      db,
      `DELETE FROM account_failure WHERE subject IN
         (SELECT subject FROM account_failure
           ORDER BY CASE WHEN locked_until > ? THEN 1 ELSE 0 END, forget_at LIMIT ?)`,
      [now, accountExcess],
    );
  }
  return { rateLimits, accountFailures };
}
