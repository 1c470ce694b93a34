// Sign-in sessions with Lucia, on our own better-sqlite3 adapter (Lucia's SQLite adapter does
// not accept better-sqlite3 12). The adapter stores only the SHA-256 of each session id, through
// the db package's auth-session functions: the raw id lives only in the browser's cookie.
import {
  type Db,
  deleteAuthSession,
  deleteExpiredAuthSessions,
  deleteUserAuthSessions,
  findAuthSession,
  insertAuthSession,
  listUserAuthSessions,
  updateAuthSessionExpiry,
} from "@agent-access/db";
import { type Adapter, Lucia, TimeSpan } from "lucia";
import { SESSION_COOKIE_NAME } from "./cookie.ts";

interface UserAttributes {
  email: string;
  name: string;
}

declare module "lucia" {
  interface Register {
    Lucia: SessionManager;
    DatabaseUserAttributes: UserAttributes;
  }
}

export type SessionManager = Lucia<Record<never, never>, UserAttributes>;

/** 30 days; Lucia renews a session that is used after half of that has passed. */
export const SESSION_LIFETIME_DAYS = 30;

const SESSION_LIFETIME_MS = SESSION_LIFETIME_DAYS * 24 * 60 * 60_000;

/**
 * The most a sign-in lasts from when it started, however often it is renewed: 90 days. A stolen
 * session cookie that is kept in use can then not live forever; the user signs in again.
 */
export const SESSION_ABSOLUTE_LIFETIME_DAYS = 90;
const SESSION_ABSOLUTE_LIFETIME_MS = SESSION_ABSOLUTE_LIFETIME_DAYS * 24 * 60 * 60_000;

/**
 * When a stored sign-in ends, on the clock it was stored with: its expiry, never past its
 * absolute end. It is valid strictly before that instant (as Lucia judges it).
 */
export function signInEndsAt(stored: { expiresAt: number; createdAt: number }): number {
  return Math.min(stored.expiresAt, stored.createdAt + SESSION_ABSOLUTE_LIFETIME_MS);
}

/**
 * Lucia's adapter over our tables. Lucia does its expiry arithmetic on the wall clock
 * (Date.now); the database keeps times on our clock `now`, which tests move. Expiry dates handed
 * to Lucia are shifted by the difference between the two clocks (zero in production). Expiry
 * dates from Lucia are always "its now + the lifetime", so the adapter stores exactly that on
 * our clock rather than shifting them back, which would be off by the milliseconds between
 * Lucia's reading of the wall clock and ours.
 */
export function createSessionAdapter(db: Db, now: () => number): Adapter {
  const skew = () => now() - Date.now();
  return {
    async getSessionAndUser(sessionId) {
      const found = await findAuthSession(db, sessionId);
      if (!found) return [null, null];
      // Renewal never carries a session past its absolute end; Lucia then ends it as expired.
      const expiresAt = signInEndsAt(found);
      return [
        {
          id: sessionId,
          userId: found.userId,
          expiresAt: new Date(expiresAt - skew()),
          attributes: {},
        },
        { id: found.userId, attributes: { email: found.email, name: found.name } },
      ];
    },
    // The ids returned here are the stored hashes: the raw ids are in their owners' cookies.
    async getUserSessions(userId) {
      return (await listUserAuthSessions(db, userId)).map((session) => ({
        id: session.idHash,
        userId: session.userId,
        expiresAt: new Date(session.expiresAt - skew()),
        attributes: {},
      }));
    },
    async setSession(session) {
      const created = now();
      await insertAuthSession(
        db,
        { sessionId: session.id, userId: session.userId, expiresAt: created + SESSION_LIFETIME_MS },
        created,
      );
    },
    async updateSessionExpiration(sessionId) {
      const found = await findAuthSession(db, sessionId);
      const end = found ? found.createdAt + SESSION_ABSOLUTE_LIFETIME_MS : Number.POSITIVE_INFINITY;
      await updateAuthSessionExpiry(db, sessionId, Math.min(now() + SESSION_LIFETIME_MS, end));
    },
    async deleteSession(sessionId) {
      await deleteAuthSession(db, sessionId);
    },
    async deleteUserSessions(userId) {
      await deleteUserAuthSessions(db, userId);
    },
    async deleteExpiredSessions() {
      await deleteExpiredAuthSessions(db, now());
    },
  };
}

export function createSessionManager(
  db: Db,
  options: { secureCookie: boolean; now: () => number },
): SessionManager {
  return new Lucia(createSessionAdapter(db, options.now), {
    sessionExpiresIn: new TimeSpan(SESSION_LIFETIME_DAYS, "d"),
    sessionCookie: {
      name: SESSION_COOKIE_NAME,
      attributes: { secure: options.secureCookie, sameSite: "lax", path: "/" },
    },
    getUserAttributes: (attributes) => ({ email: attributes.email, name: attributes.name }),
  });
}
