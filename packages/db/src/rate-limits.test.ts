import { expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  all,
  checkAccountLock,
  checkRateLimit,
  type Db,
  get,
  giveBackRateLimit,
  type LockShape,
  observeQueries,
  pruneLimits,
  resetAccountLock,
  resetRateLimit,
  takeAccountAttempt,
  takeRateLimit,
  takeRateLimits,
} from "./index.ts";

const T0 = 1_700_000_000_000;
const LOCK: LockShape = {
  lockAfterFailures: 5,
  firstLockMs: 60_000,
  maxLockMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

describeEachDialect("shared rate limits", (suite) => {
  /** Two pools on one database: two server instances (SQLite: one, used twice). */
  async function instances(poolSize = 4): Promise<[Db, Db]> {
    const a = await suite.open({ poolSize });
    return [a, suite.openAnother(a, { poolSize }) ?? a];
  }

  it("counts the takes of both instances against one bucket", async () => {
    const [a, b] = await instances();
    const shape = { capacity: 5, intervalMs: 1000 };
    const verdicts = [];
    for (let i = 0; i < 6; i++) {
      verdicts.push(await takeRateLimit(i % 2 ? b : a, "sign-in", "10.0.0.1", shape, T0));
    }
    expect(verdicts.slice(0, 5).every((v) => v.allowed)).toBe(true);
    expect(verdicts[5]).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(await checkRateLimit(a, "sign-in", "10.0.0.1", shape, T0)).toEqual({
      allowed: false,
      retryAfterMs: 1000,
    });
    // Another address and another limiter have their own buckets.
    expect((await takeRateLimit(b, "sign-in", "10.0.0.2", shape, T0)).allowed).toBe(true);
    expect((await takeRateLimit(b, "sign-up", "10.0.0.1", shape, T0)).allowed).toBe(true);
  });

  it("refills one token per interval, wherever it is taken", async () => {
    const [a, b] = await instances();
    const shape = { capacity: 2, intervalMs: 10_000 };
    expect((await takeRateLimit(a, "l", "k", shape, T0)).allowed).toBe(true);
    expect((await takeRateLimit(b, "l", "k", shape, T0)).allowed).toBe(true);
    expect(await takeRateLimit(a, "l", "k", shape, T0 + 4_000)).toEqual({
      allowed: false,
      retryAfterMs: 6_000,
    });
    // A refused take spends nothing: the token still comes back at T0 + 10 s.
    expect((await takeRateLimit(b, "l", "k", shape, T0 + 9_999)).allowed).toBe(false);
    expect((await takeRateLimit(b, "l", "k", shape, T0 + 10_000)).allowed).toBe(true);
    expect((await takeRateLimit(a, "l", "k", shape, T0 + 10_000)).allowed).toBe(false);
    // A long pause fills the bucket, and no further.
    expect((await takeRateLimit(a, "l", "k", shape, T0 + 600_000)).allowed).toBe(true);
    expect((await takeRateLimit(b, "l", "k", shape, T0 + 600_000)).allowed).toBe(true);
    expect((await takeRateLimit(a, "l", "k", shape, T0 + 600_000)).allowed).toBe(false);
  });

  it("takes several buckets in one statement, each judged as a single take would", async () => {
    const [a, b] = await instances();
    const session = { capacity: 2, intervalMs: 30_000 };
    const group = { capacity: 3, intervalMs: 20_000 };
    const takes = [
      { limiter: "messages-session", subject: "session:1", shape: session },
      { limiter: "messages-group", subject: "group:acme", shape: group },
    ];
    const statements: string[] = [];
    const stop = observeQueries(a, (query) => statements.push(query.sql));
    expect(await takeRateLimits(a, takes, T0)).toEqual([{ allowed: true }, { allowed: true }]);
    stop();
    expect(statements).toHaveLength(1);
    expect(await takeRateLimits(b, takes, T0)).toEqual([{ allowed: true }, { allowed: true }]);
    // The session's bucket is empty, the group's holds one more: only the group's is spent.
    expect(await takeRateLimits(a, takes, T0 + 1_000)).toEqual([
      { allowed: false, retryAfterMs: 29_000 },
      { allowed: true },
    ]);
    expect(await checkRateLimit(b, "messages-group", "group:acme", group, T0 + 1_000)).toEqual({
      allowed: false,
      retryAfterMs: 19_000,
    });
    // Each bucket is the one a single take counts in: the two forms share their counts.
    expect(
      (await takeRateLimit(b, "messages-session", "session:1", session, T0 + 30_000)).allowed,
    ).toBe(true);
    // The group's bucket has refilled one token by now; the session's is empty again.
    expect(await takeRateLimits(a, takes, T0 + 30_000)).toEqual([
      { allowed: false, retryAfterMs: 30_000 },
      { allowed: true },
    ]);
    // Another subject of the same limiters has buckets of its own.
    expect(
      await takeRateLimits(
        b,
        [
          { limiter: "messages-session", subject: "session:2", shape: session },
          { limiter: "messages-group", subject: "group:other", shape: group },
        ],
        T0,
      ),
    ).toEqual([{ allowed: true }, { allowed: true }]);
  });

  it("counts concurrent multi-bucket takes from both instances one by one", async () => {
    const [a, b] = await instances(8);
    const shape = { capacity: 5, intervalMs: 60_000 };
    const takes = [
      { limiter: "x-session", subject: "s", shape },
      { limiter: "x-group", subject: "g", shape },
    ];
    const verdicts = await Promise.all(
      Array.from({ length: 12 }, (_, i) => takeRateLimits(i % 2 ? b : a, takes, T0)),
    );
    for (const index of [0, 1]) {
      expect(verdicts.filter((verdict) => verdict[index]!.allowed)).toHaveLength(5);
    }
  });

  it("gives a token back, and resets a bucket, for every instance", async () => {
    const [a, b] = await instances();
    const shape = { capacity: 1, intervalMs: 60_000 };
    expect((await takeRateLimit(a, "l", "k", shape, T0)).allowed).toBe(true);
    expect((await takeRateLimit(b, "l", "k", shape, T0)).allowed).toBe(false);
    await giveBackRateLimit(a, "l", "k", shape);
    expect((await takeRateLimit(b, "l", "k", shape, T0)).allowed).toBe(true);
    await resetRateLimit(a, "l", "k");
    expect((await checkRateLimit(b, "l", "k", shape, T0)).allowed).toBe(true);
  });

  it("loses no take among 200 concurrent ones from two instances", async () => {
    const [a, b] = await instances(8);
    const shape = { capacity: 150, intervalMs: 60_000 };
    const verdicts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        takeRateLimit(i % 2 ? b : a, "exchange", "10.0.0.9", shape, T0),
      ),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(150);
    const row = await get<{ full_at: number }>(a, "SELECT full_at FROM rate_limit");
    expect(row!.full_at).toBe(T0 + 150 * 60_000);
  });

  it("locks an account on every instance from the attempts of all of them", async () => {
    const [a, b] = await instances();
    // Attempts 1 to 5 are let through (each counted as a failure until a success forgets it);
    // the 5th starts a lock of a minute, which every instance then refuses.
    for (let i = 0; i < 5; i++) {
      expect(await takeAccountAttempt(i % 2 ? b : a, "ada@example.com", LOCK, T0)).toEqual({
        allowed: true,
      });
    }
    expect(await checkAccountLock(b, "ada@example.com", T0 + 1_000)).toEqual({
      allowed: false,
      retryAfterMs: 59_000,
    });
    expect(await takeAccountAttempt(b, "ada@example.com", LOCK, T0 + 1_000)).toEqual({
      allowed: false,
      retryAfterMs: 59_000,
    });
    expect(await takeAccountAttempt(a, "bob@example.com", LOCK, T0)).toEqual({ allowed: true });
    // The lock ends on time (refused attempts did not extend it); the next failure doubles it.
    expect(await checkAccountLock(b, "ada@example.com", T0 + 60_000)).toEqual({ allowed: true });
    expect(await takeAccountAttempt(a, "ada@example.com", LOCK, T0 + 60_000)).toEqual({
      allowed: true,
    });
    expect(await checkAccountLock(b, "ada@example.com", T0 + 60_000)).toEqual({
      allowed: false,
      retryAfterMs: 120_000,
    });
    // A success on one instance forgets the failures for all.
    await resetAccountLock(b, "ada@example.com");
    expect(await checkAccountLock(a, "ada@example.com", T0 + 60_000)).toEqual({ allowed: true });
    for (let i = 0; i < 5; i++) {
      expect((await takeAccountAttempt(a, "ada@example.com", LOCK, T0 + 60_000)).allowed).toBe(
        true,
      );
    }
  });

  it("doubles the lock per further failure, up to its longest", async () => {
    const [a, b] = await instances();
    let now = T0;
    const locks: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect((await takeAccountAttempt(i % 2 ? b : a, "ada@example.com", LOCK, now)).allowed).toBe(
        true,
      );
      const lock = await checkAccountLock(a, "ada@example.com", now);
      locks.push(lock.allowed ? 0 : lock.retryAfterMs);
      now += locks.at(-1)!;
    }
    expect(locks).toEqual([
      0, 0, 0, 0, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000,
    ]);
  });

  it("forgets failures a day after the last one", async () => {
    const [a, b] = await instances();
    for (let i = 0; i < 4; i++) await takeAccountAttempt(a, "ada@example.com", LOCK, T0);
    const later = T0 + LOCK.forgetAfterMs;
    expect(await takeAccountAttempt(b, "ada@example.com", LOCK, later)).toEqual({
      allowed: true,
    });
    expect(await checkAccountLock(b, "ada@example.com", later)).toEqual({ allowed: true });
    const row = await get<{ failures: number }>(a, "SELECT failures FROM account_failure");
    expect(row!.failures).toBe(1);
  });

  it("lets 5 of 200 concurrent attempts from two instances through, counting each once", async () => {
    const [a, b] = await instances(8);
    const verdicts = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        takeAccountAttempt(i % 2 ? b : a, "ada@example.com", LOCK, T0),
      ),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
    expect(verdicts.filter((v) => !v.allowed && v.retryAfterMs === 60_000)).toHaveLength(195);
    const row = await get<{ failures: number; locked_until: number }>(
      b,
      "SELECT failures, locked_until FROM account_failure",
    );
    expect(row).toEqual({ failures: 5, locked_until: T0 + 60_000 });
  });

  // PostgreSQL: a commit that wrote to the write-ahead log waits for its flush to disk; one that
  // touched only unlogged tables does not (migration 0017). Each statement is run again under
  // EXPLAIN (ANALYZE, WAL), which counts the log records it writes.
  it.runIf(suite.dialect === "postgres")(
    "takes rates without writing to the write-ahead log, and counts account failures in it",
    async () => {
      const [a] = await instances();
      const statements: { sql: string; parameters: readonly unknown[] }[] = [];
      const stop = observeQueries(a, (query) => statements.push(query));
      const shape = { capacity: 5, intervalMs: 60_000 };
      await takeRateLimit(a, "sign-in", "203.0.113.7", shape, T0);
      await takeRateLimits(
        a,
        [
          { limiter: "messages-session", subject: "session:1", shape },
          { limiter: "messages-group", subject: "group:acme", shape },
        ],
        T0,
      );
      await giveBackRateLimit(a, "sign-in", "203.0.113.7", shape);
      await takeAccountAttempt(a, "ada@example.com", LOCK, T0);
      stop();
      const walRecords = async (statement: { sql: string; parameters: readonly unknown[] }) => {
        const [row] = await all<{ "QUERY PLAN": [{ Plan: { "WAL Records": number } }] }>(
          a,
          `EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${statement.sql}`,
          statement.parameters,
        );
        return row!["QUERY PLAN"][0].Plan["WAL Records"];
      };
      const rates = statements.filter((s) => s.sql.includes("rate_limit"));
      const accounts = statements.filter((s) => s.sql.includes("account_failure"));
      expect(rates).toHaveLength(3);
      expect(accounts).toHaveLength(1);
      for (const statement of rates) expect(await walRecords(statement)).toBe(0);
      expect(await walRecords(accounts[0]!)).toBeGreaterThan(0);
    },
  );

  it("stores hashes of addresses and emails, never the text", async () => {
    const [a] = await instances();
    await takeRateLimit(a, "sign-in", "203.0.113.7", { capacity: 2, intervalMs: 1 }, T0);
    await takeAccountAttempt(a, "ada@example.com", LOCK, T0);
    const rows = [
      ...(await all(a, "SELECT * FROM rate_limit")),
      ...(await all(a, "SELECT * FROM account_failure")),
    ];
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toMatch(/203\.0\.113\.7|ada@example\.com/);
  });

  it("prunes what limits nothing, and keeps each table under its bound", async () => {
    const [a, b] = await instances();
    const shape = { capacity: 3, intervalMs: 1000 };
    await takeRateLimit(a, "l", "spent", shape, T0); // full again at T0 + 1 s
    await takeRateLimit(a, "l", "busy", shape, T0 + 5_000);
    await takeAccountAttempt(a, "old@example.com", LOCK, T0);
    await takeAccountAttempt(a, "new@example.com", LOCK, T0 + LOCK.forgetAfterMs);
    expect(await pruneLimits(b, T0 + LOCK.forgetAfterMs)).toEqual({
      rateLimits: 2,
      accountFailures: 1,
    });
    expect(await all(a, "SELECT subject FROM account_failure")).toHaveLength(1);

    // A flood of fresh subjects: the least limiting go first, a locked account last.
    const now = T0 + 2 * LOCK.forgetAfterMs;
    for (let i = 0; i < 5; i++) {
      await takeRateLimit(a, "l", `flood-${i}`, shape, now + i * 1000);
    }
    for (let i = 0; i < 5; i++) await takeAccountAttempt(a, "locked@example.com", LOCK, now);
    for (let i = 0; i < 4; i++) {
      await takeAccountAttempt(a, `flood-${i}@example.com`, LOCK, now + i * 1000);
    }
    // new@ is forgotten by now; then 5 accounts for 2 rows.
    expect(await pruneLimits(b, now, { maxRows: 2 })).toEqual({
      rateLimits: 3,
      accountFailures: 4,
    });
    const kept = await all<{ full_at: number }>(a, "SELECT full_at FROM rate_limit ORDER BY 1");
    expect(kept.map((row) => row.full_at)).toEqual([now + 4000, now + 5000]);
    expect(await checkAccountLock(a, "locked@example.com", now)).toMatchObject({ allowed: false });
    const accounts = await all<{ failures: number }>(
      a,
      "SELECT failures FROM account_failure ORDER BY failures",
    );
    expect(accounts.map((row) => row.failures)).toEqual([1, 5]);
  });
});
