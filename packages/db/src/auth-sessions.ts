// Sign-in sessions. The cookie holds the session id; the database holds only its SHA-256, so a
// leaked database (or backup) signs nobody in. Every function takes the raw id and hashes it.
import type { Db } from "./connection.ts";
import { sha256 } from "./secrets.ts";
import { all, get, run } from "./sql.ts";

export interface AuthSessionWithUser {
  userId: string;
  expiresAt: number;
  createdAt: number;
  email: string;
  name: string;
}

export interface StoredAuthSession {
  /** The SHA-256 of the session id: the raw id exists only in the browser's cookie. */
  idHash: string;
  userId: string;
  expiresAt: number;
  createdAt: number;
}

export async function insertAuthSession(
  db: Db,
  session: { sessionId: string; userId: string; expiresAt: number },
  now = Date.now(),
): Promise<void> {
  await run(
    db,
    "INSERT INTO auth_session (id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
    [sha256(session.sessionId), session.userId, session.expiresAt, now],
  );
}

/** The session and its user, expired or not: deciding about expiry is the caller's job. */
export function findAuthSession(
  db: Db,
  sessionId: string,
): Promise<AuthSessionWithUser | undefined> {
  return get<AuthSessionWithUser>(
    db,
    `SELECT s.user_id AS "userId", s.expires_at AS "expiresAt", s.created_at AS "createdAt",
            u.email, u.name
       FROM auth_session s JOIN "user" u ON u.id = s.user_id
      WHERE s.id = ?`,
    [sha256(sessionId)],
  );
}

export function listUserAuthSessions(db: Db, userId: string): Promise<StoredAuthSession[]> {
  return all<StoredAuthSession>(
    db,
    `SELECT id AS "idHash", user_id AS "userId", expires_at AS "expiresAt",
            created_at AS "createdAt"
       FROM auth_session WHERE user_id = ? ORDER BY created_at`,
    [userId],
  );
}

export async function updateAuthSessionExpiry(
  db: Db,
  sessionId: string,
  expiresAt: number,
): Promise<void> {
  await run(db, "UPDATE auth_session SET expires_at = ? WHERE id = ?", [
    expiresAt,
    sha256(sessionId),
  ]);
}

export async function deleteAuthSession(db: Db, sessionId: string): Promise<void> {
  await run(db, "DELETE FROM auth_session WHERE id = ?", [sha256(sessionId)]);
}

/** Deletes every session of a user ("sign out everywhere"); returns how many there were. */
export function deleteUserAuthSessions(db: Db, userId: string): Promise<number> {
  return run(db, "DELETE FROM auth_session WHERE user_id = ?", [userId]);
}

export function deleteExpiredAuthSessions(db: Db, now = Date.now()): Promise<number> {
  return run(db, "DELETE FROM auth_session WHERE expires_at <= ?", [now]);
}
