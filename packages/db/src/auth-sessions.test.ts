import { beforeEach, describe, expect, it } from "vitest";
import {
  createUser,
  type Db,
  deleteAuthSession,
  deleteExpiredAuthSessions,
  deleteUserAuthSessions,
  findAuthSession,
  insertAuthSession,
  listUserAuthSessions,
  migrate,
  openDatabase,
  sha256,
  updateAuthSessionExpiry,
} from "./index.ts";

let db: Db;
let userId: string;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
  userId = createUser(db, { email: "ada@example.com", name: "Ada", passwordHash: "h" })!.id;
});

describe("auth sessions", () => {
  it("are stored under the SHA-256 of their id, never the id itself", () => {
    insertAuthSession(db, { sessionId: "raw-session-id", userId, expiresAt: 500 }, 100);
    const dump = JSON.stringify(db.prepare("SELECT * FROM auth_session").all());
    expect(dump).not.toContain("raw-session-id");
    expect(dump).toContain(sha256("raw-session-id"));
    expect(findAuthSession(db, "raw-session-id")).toEqual({
      userId,
      expiresAt: 500,
      createdAt: 100,
      email: "ada@example.com",
      name: "Ada",
    });
    expect(findAuthSession(db, sha256("raw-session-id"))).toBeUndefined();
  });

  it("are renewed, deleted one by one, per user, and when expired", () => {
    insertAuthSession(db, { sessionId: "a", userId, expiresAt: 500 }, 100);
    insertAuthSession(db, { sessionId: "b", userId, expiresAt: 900 }, 100);
    insertAuthSession(db, { sessionId: "c", userId, expiresAt: 900 }, 100);
    updateAuthSessionExpiry(db, "a", 1000);
    expect(findAuthSession(db, "a")?.expiresAt).toBe(1000);
    deleteAuthSession(db, "a");
    expect(findAuthSession(db, "a")).toBeUndefined();
    expect(deleteExpiredAuthSessions(db, 900)).toBe(2);
    insertAuthSession(db, { sessionId: "d", userId, expiresAt: 2000 }, 100);
    insertAuthSession(db, { sessionId: "e", userId, expiresAt: 2000 }, 100);
    expect(listUserAuthSessions(db, userId).map((s) => s.idHash)).toEqual([
      sha256("d"),
      sha256("e"),
    ]);
    expect(deleteUserAuthSessions(db, userId)).toBe(2);
    expect(listUserAuthSessions(db, userId)).toEqual([]);
  });
});
