import { all, type Db, sha256, value } from "@agent-access/db";
import { describeEachDialect, openTestDatabase } from "@agent-access/db/testing";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { type Auth, AuthError, createAuth } from "./index.ts";
import * as password from "./password.ts";

vi.mock("./password.ts", { spy: true });

const DAY = 24 * 60 * 60_000;
const from = { ip: "203.0.113.7", cookieHeader: null };
const ada = { email: "Ada@Example.com ", password: "correct horse", name: " Ada " };

let db: Db;
let clock: { now: number };
let auth: Auth;
describeEachDialect("auth", () => {
  beforeEach(async () => {
    db = await openTestDatabase();
    clock = { now: 1_000_000 };
    auth = createAuth({ db, publicUrl: "http://localhost:5173", now: () => clock.now });
    vi.mocked(password.verifyPassword).mockClear();
  });

  /** The Cookie header a browser sends back after receiving `setCookie`. */
  function cookieFrom(setCookie: string): string {
    return setCookie.split(";")[0]!;
  }

  async function expectAuthError(promise: Promise<unknown>, code: string) {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe(code);
    return error as AuthError;
  }

  describe("sign-up and sign-in", () => {
    it("normalize the email, set an HttpOnly Lax cookie and store only the session id's hash", async () => {
      const { user, setCookie } = await auth.signUp(ada, from);
      expect(user).toMatchObject({ email: "ada@example.com", name: "Ada" });
      expect(setCookie).toMatch(
        /^auth_session=[a-z0-9]+; HttpOnly; Max-Age=2592000; Path=\/; SameSite=Lax$/,
      );
      const sessionId = cookieFrom(setCookie).split("=")[1]!;
      const stored = JSON.stringify(await all(db, "SELECT * FROM auth_session"));
      expect(stored).not.toContain(sessionId);
      expect(stored).toContain(sha256(sessionId));

      const current = await auth.currentSignIn(cookieFrom(setCookie));
      expect(current).toEqual({ signIn: { user, sessionId }, setCookie: null });
    });

    it("mark the cookie Secure when the app is not on localhost", async () => {
      const remote = createAuth({ db, publicUrl: "https://app.example.com" });
      const { setCookie } = await remote.signUp(ada, from);
      expect(setCookie).toMatch(/; Secure$/);
    });

    it("refuse a taken email, whatever its case", async () => {
      await auth.signUp(ada, from);
      await expectAuthError(auth.signUp({ ...ada, email: "ADA@example.com" }, from), "email_taken");
    });

    it("fail alike for a wrong password and an unknown email, checking a hash either way", async () => {
      await auth.signUp(ada, from);
      vi.mocked(password.verifyPassword).mockClear();
      const wrong = await expectAuthError(
        auth.signIn({ email: ada.email, password: "wrong password" }, from),
        "invalid_credentials",
      );
      const unknown = await expectAuthError(
        auth.signIn({ email: "nobody@example.com", password: "wrong password" }, from),
        "invalid_credentials",
      );
      expect(unknown.message).toBe(wrong.message);
      // The unknown email cost a password verification too, against the throwaway hash.
      expect(password.verifyPassword).toHaveBeenCalledTimes(2);
    });

    it("end the session the browser held before", async () => {
      const first = await auth.signUp(ada, from);
      const second = await auth.signIn(ada, { ...from, cookieHeader: cookieFrom(first.setCookie) });
      expect((await auth.currentSignIn(cookieFrom(first.setCookie))).signIn).toBeNull();
      expect((await auth.currentSignIn(cookieFrom(second.setCookie))).signIn).not.toBeNull();
    });
  });

  describe("sessions", () => {
    it("last 30 days and are renewed when used past their half-life", async () => {
      const { setCookie } = await auth.signUp(ada, from);
      const cookie = cookieFrom(setCookie);
      const expiry = async () => await value(db, "SELECT expires_at FROM auth_session");
      expect(await expiry()).toBe(clock.now + 30 * DAY);

      clock.now += 10 * DAY;
      expect((await auth.currentSignIn(cookie)).setCookie).toBeNull();

      clock.now += 6 * DAY;
      const renewed = await auth.currentSignIn(cookie);
      expect(renewed.signIn).not.toBeNull();
      expect(renewed.setCookie).toBe(setCookie);
      expect(await expiry()).toBe(clock.now + 30 * DAY);

      clock.now += 30 * DAY;
      expect(await auth.currentSignIn(cookie)).toEqual({
        signIn: null,
        setCookie: expect.stringMatching(/^auth_session=; .*Max-Age=0/),
      });
      expect(await value(db, "SELECT count(*) FROM auth_session")).toBe(0);
    });

    it("end one at a time on sign-out, or all together on sign-out everywhere", async () => {
      const laptop = cookieFrom((await auth.signUp(ada, from)).setCookie);
      const phone = cookieFrom((await auth.signIn(ada, from)).setCookie);
      const tablet = cookieFrom((await auth.signIn(ada, from)).setCookie);

      const laptopSignIn = (await auth.currentSignIn(laptop)).signIn!;
      expect(await auth.signOut(laptopSignIn.sessionId)).toMatch(/Max-Age=0/);
      expect((await auth.currentSignIn(laptop)).signIn).toBeNull();
      expect((await auth.currentSignIn(phone)).signIn).not.toBeNull();

      await auth.signOutEverywhere(laptopSignIn.user.id);
      expect((await auth.currentSignIn(phone)).signIn).toBeNull();
      expect((await auth.currentSignIn(tablet)).signIn).toBeNull();
    });

    it("are removed from the database once expired", async () => {
      await auth.signUp(ada, from);
      clock.now += 31 * DAY;
      await auth.deleteExpiredSessions();
      expect(await value(db, "SELECT count(*) FROM auth_session")).toBe(0);
    });
  });

  describe("rate limits", () => {
    it("lock an account after five failures, even for the right password, until the lock ends", async () => {
      await auth.signUp(ada, from);
      for (let i = 0; i < 5; i++) {
        await expectAuthError(
          auth.signIn(
            { email: ada.email, password: `wrong ${i}` },
            { ...from, ip: `198.51.100.${i}` },
          ),
          "invalid_credentials",
        );
      }
      const locked = await expectAuthError(auth.signIn(ada, from), "rate_limited");
      expect(locked).toMatchObject({ code: "rate_limited", retryAfterMs: 60_000 });
      expect(locked.message).toMatch(/try again in 60 seconds/);

      clock.now += 60_000;
      await expect(auth.signIn(ada, from)).resolves.toMatchObject({ user: { name: "Ada" } });
    });

    it("limit sign-ups per IP with a token bucket", async () => {
      for (let i = 0; i < 5; i++)
        await auth.signUp({ ...ada, email: `user${i}@example.com` }, from);
      const limited = await expectAuthError(
        auth.signUp({ ...ada, email: "user5@example.com" }, from),
        "rate_limited",
      );
      expect(limited).toMatchObject({ code: "rate_limited", retryAfterMs: 60_000 });
      await expect(
        auth.signUp({ ...ada, email: "user5@example.com" }, { ...from, ip: "198.51.100.1" }),
      ).resolves.toBeDefined();
      clock.now += 60_000;
      await expect(
        auth.signUp({ ...ada, email: "user6@example.com" }, from),
      ).resolves.toBeDefined();
    });
  });
});
