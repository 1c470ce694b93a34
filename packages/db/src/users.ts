// Users of the host app's own sign-in. Emails arrive normalized (trimmed, lower-case) from auth.
import type { Db } from "./connection.ts";
import { newId } from "./secrets.ts";
import { get, run } from "./sql.ts";

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: number;
}

export interface UserWithPassword extends User {
  /** argon2id PHC string; never leaves the auth package. */
  passwordHash: string;
}

const COLUMNS = 'id, email, name, created_at AS "createdAt"';

/** Creates a user; returns null when the email is taken (the UNIQUE index decides, race-free). */
export async function createUser(
  db: Db,
  user: { email: string; name: string; passwordHash: string },
  now = Date.now(),
): Promise<User | null> {
  const id = newId("usr");
  const inserted = await run(
    db,
    `INSERT INTO "user" (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (email) DO NOTHING`,
    [id, user.email, user.name, user.passwordHash, now],
  );
  if (inserted === 0) return null;
  return { id, email: user.email, name: user.name, createdAt: now };
}

export function findUserByEmail(db: Db, email: string): Promise<UserWithPassword | undefined> {
  return get<UserWithPassword>(
    db,
    `SELECT ${COLUMNS}, password_hash AS "passwordHash" FROM "user" WHERE email = ?`,
    [email],
  );
}

export function getUser(db: Db, id: string): Promise<User | undefined> {
  return get<User>(db, `SELECT ${COLUMNS} FROM "user" WHERE id = ?`, [id]);
}
