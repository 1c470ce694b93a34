// Sign-up, sign-in, sign-out and the current sign-in: the service the api's auth router calls.
// It owns the long-lived state (session manager, rate limits), so a server makes one per process;
// on PostgreSQL the limits' counts live in the database, shared by every instance.
import { randomBytes } from "node:crypto";
import { createUser, type Db, findUserByEmail } from "@agent-access/db";
import type { AccountLockOptions } from "./account-lock.ts";
import { readCookie, SESSION_COOKIE_NAME, secureCookies } from "./cookie.ts";
import { AuthError } from "./errors.ts";
import {
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyPassword,
} from "./password.ts";
import { passwordWeakness } from "./password-strength.ts";
import {
  ipRateLimitKey,
  type RateLimitResult,
  retryAfterSeconds,
  type TokenBucketOptions,
} from "./rate-limit.ts";
import { createSessionManager } from "./sessions.ts";
import { createAccountLimiter, createRateLimiter } from "./shared-limits.ts";

export interface AuthLimits {
  /** Sign-in attempts per client IP. Default: 20 at once, then one per 10 s. */
  signInPerIp?: TokenBucketOptions;
  /** Sign-ups per client IP. Default: 5 at once, then one per minute. */
  signUpPerIp?: TokenBucketOptions;
  /** Failed sign-ins per account. Default: see AccountLockOptions. */
  account?: AccountLockOptions;
}

export interface AuthOptions {
  db: Db;
  /** The app's public origin (PUBLIC_URL); the cookie is Secure unless it is on localhost. */
  publicUrl: string;
  /** The clock, epoch ms, for session expiry and rate limits. Default Date.now. */
  now?: () => number;
  limits?: AuthLimits;
}

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
}

/** A valid sign-in: the user and the raw session id from their cookie (never stored). */
export interface SignIn {
  user: SignedInUser;
  sessionId: string;
}

/** Where an attempt comes from: the client's IP and the Cookie header it sent. */
export interface AttemptSource {
  ip: string;
  cookieHeader: string | null;
}

/** A new sign-in and the Set-Cookie header value that hands its session to the browser. */
export interface SignedInResult {
  user: SignedInUser;
  setCookie: string;
}

export interface CurrentSignIn {
  signIn: SignIn | null;
  /** A Set-Cookie value to send back: a renewed session, or a blank cookie for a dead one. */
  setCookie: string | null;
}

/** Emails compare trimmed and lower-cased, everywhere. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const GENERIC_FAILURE = "Email or password is wrong.";

function throwIfLimited(result: RateLimitResult, what: string): void {
  if (result.allowed) return;
  const seconds = retryAfterSeconds(result.retryAfterMs);
  throw new AuthError(
    "rate_limited",
    `Too many ${what}: try again in ${seconds} second${seconds === 1 ? "" : "s"}.`,
    result.retryAfterMs,
  );
}

export function createAuth(options: AuthOptions) {
  const { db, publicUrl, limits = {} } = options;
  const now = options.now ?? Date.now;
  const sessions = createSessionManager(db, { secureCookie: secureCookies(publicUrl), now });
  // In the database on PostgreSQL, so every instance counts against the same figures; in this
  // process's memory on SQLite (shared-limits.ts).
  const signInPerIp = createRateLimiter(
    db,
    "sign-in",
    limits.signInPerIp ?? { capacity: 20, refillIntervalMs: 10_000 },
  );
  const signUpPerIp = createRateLimiter(
    db,
    "sign-up",
    limits.signUpPerIp ?? { capacity: 5, refillIntervalMs: 60_000 },
  );
  const accounts = createAccountLimiter(db, limits.account);
  // An unknown email is checked against this throwaway hash, so it costs what a wrong password
  // costs and the response time does not tell which emails are registered.
  let dummyHash: Promise<string> | undefined;

  async function startSession(user: SignedInUser, from: AttemptSource): Promise<SignedInResult> {
    // The browser's previous session (another account, or a stale one) ends here.
    const previous = readCookie(from.cookieHeader, SESSION_COOKIE_NAME);
    if (previous) await sessions.invalidateSession(previous);
    const session = await sessions.createSession(user.id, {});
    return { user, setCookie: sessions.createSessionCookie(session.id).serialize() };
  }

  return {
    /** Creates an account and signs it in. Throws AuthError email_taken or rate_limited. */
    async signUp(
      input: { email: string; password: string; name: string },
      from: AttemptSource,
    ): Promise<SignedInResult> {
      throwIfLimited(await signUpPerIp.take(ipRateLimitKey(from.ip), now()), "sign-ups from here");
      const { password } = input;
      if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
        throw new RangeError(
          `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
        );
      }
      const weakness = passwordWeakness(password, [input.email, input.name]);
      if (weakness) throw new RangeError(weakness);
      const user = await createUser(
        db,
        {
          email: normalizeEmail(input.email),
          name: input.name.trim(),
          passwordHash: await hashPassword(password),
        },
        now(),
      );
      if (!user) {
        throw new AuthError("email_taken", "An account with this email exists: sign in instead.");
      }
      return startSession({ id: user.id, email: user.email, name: user.name }, from);
    },

    /**
     * Signs in with email and password. A wrong password and an unknown email fail alike
     * (invalid_credentials); too many attempts from one IP or on one account fail with
     * rate_limited.
     */
    async signIn(
      input: { email: string; password: string },
      from: AttemptSource,
    ): Promise<SignedInResult> {
      const email = normalizeEmail(input.email);
      throwIfLimited(
        await signInPerIp.take(ipRateLimitKey(from.ip), now()),
        "sign-in attempts from here",
      );
      // Counted as a failure before the slow password check, in the same step as the lock is
      // checked, so that attempts arriving at the same time (on any instance) see each other: a
      // burst gets no more guesses than a sequence. A success forgets it (and the failures
      // before it), as it always did.
      throwIfLimited(await accounts.attempt(email, now()), "failed sign-ins for this account");
      const found = await findUserByEmail(db, email);
      dummyHash ??= hashPassword(randomBytes(16).toString("base64url"));
      const verified =
        input.password.length <= PASSWORD_MAX_LENGTH &&
        (await verifyPassword(found?.passwordHash ?? (await dummyHash), input.password));
      if (!found || !verified) throw new AuthError("invalid_credentials", GENERIC_FAILURE);
      await accounts.reset(email);
      return startSession({ id: found.id, email: found.email, name: found.name }, from);
    },

    /** The sign-in named by a Cookie header, renewing the session past its half-life. */
    async currentSignIn(cookieHeader: string | null): Promise<CurrentSignIn> {
      const sessionId = readCookie(cookieHeader, SESSION_COOKIE_NAME);
      if (!sessionId) return { signIn: null, setCookie: null };
      const { session, user } = await sessions.validateSession(sessionId);
      if (!session) {
        return { signIn: null, setCookie: sessions.createBlankSessionCookie().serialize() };
      }
      return {
        signIn: { user: { id: user.id, email: user.email, name: user.name }, sessionId },
        setCookie: session.fresh ? sessions.createSessionCookie(session.id).serialize() : null,
      };
    },

    /** Ends one session; returns the Set-Cookie value that clears the browser's cookie. */
    async signOut(sessionId: string): Promise<string> {
      await sessions.invalidateSession(sessionId);
      return sessions.createBlankSessionCookie().serialize();
    },

    /** Ends every session of a user, on every device; returns the clearing Set-Cookie value. */
    async signOutEverywhere(userId: string): Promise<string> {
      await sessions.invalidateUserSessions(userId);
      return sessions.createBlankSessionCookie().serialize();
    },

    /** A Set-Cookie value that clears the sign-in cookie. */
    blankCookie(): string {
      return sessions.createBlankSessionCookie().serialize();
    },

    /** Deletes expired sessions from the database; the server calls it now and then. */
    deleteExpiredSessions(): Promise<void> {
      return sessions.deleteExpiredSessions();
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
