import { describe, expect, it } from "vitest";
import { AccountLock } from "./account-lock.ts";

const MINUTE = 60_000;

describe("AccountLock", () => {
  it("locks at the fifth failure for a minute, then doubles up to the cap", () => {
    const lock = new AccountLock();
    for (let i = 0; i < 4; i++) expect(lock.recordFailure("ada", 0)).toEqual({ allowed: true });
    expect(lock.check("ada", 0)).toEqual({ allowed: true });
    expect(lock.recordFailure("ada", 0)).toEqual({ allowed: false, retryAfterMs: MINUTE });
    expect(lock.check("ada", 1000)).toEqual({ allowed: false, retryAfterMs: MINUTE - 1000 });
    expect(lock.check("bob", 1000)).toEqual({ allowed: true });

    let t = MINUTE;
    expect(lock.check("ada", t)).toEqual({ allowed: true });
    const locks = [2, 4, 8, 15, 15].map(() => {
      const result = lock.recordFailure("ada", t);
      t += 16 * MINUTE;
      return result.allowed ? 0 : result.retryAfterMs / MINUTE;
    });
    expect(locks).toEqual([2, 4, 8, 15, 15]);
  });

  it("forgets failures after a success or after a quiet day", () => {
    const lock = new AccountLock({ lockAfterFailures: 2 });
    lock.recordFailure("ada", 0);
    lock.reset("ada");
    expect(lock.recordFailure("ada", 0)).toEqual({ allowed: true });
    expect(lock.recordFailure("ada", 24 * 60 * MINUTE)).toEqual({ allowed: true });
    expect(lock.recordFailure("ada", 24 * 60 * MINUTE)).toMatchObject({ allowed: false });
  });

  it("evicts unlocked accounts before locked ones when memory is full", () => {
    const lock = new AccountLock({ lockAfterFailures: 2, maxKeys: 2 });
    lock.recordFailure("a", 0);
    lock.recordFailure("b", 0);
    lock.recordFailure("b", 0); // "b" is locked now
    lock.recordFailure("c", 0); // over maxKeys: "a" (unlocked, stalest) goes, "b" stays locked
    expect(lock.check("b", 0)).toMatchObject({ allowed: false });
    // "a" starts again from its first failure, so its second one does not lock it yet.
    expect(lock.recordFailure("a", 0)).toEqual({ allowed: true });
  });
});
