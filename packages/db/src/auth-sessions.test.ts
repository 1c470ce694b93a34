import { beforeEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  all,
  createUser,
  type Db,
  deleteAuthSession,
  deleteExpiredAuthSessions,
  deleteUserAuthSessions,
  findAuthSession,
  insertAuthSession,
  listUserAuthSessions,
  sha256,
  updateAuthSessionExpiry,
} from "./index.ts";

let db: Db;
let userId: string;
describeEachDialect("auth-sessions", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
    userId = (await createUser(db, { email: "ada@example.com", name: "Ada", passwordHash: "h" }))!
      .id;
  });

  describe("auth sessions", () => {
    it("are stored under the SHA-256 of their id, never the id itself", async () => {
      await insertAuthSession(db, { sessionId: "raw-session-id", userId, expiresAt: 500 }, 100);
      const dump = JSON.stringify(await all(db, "SELECT * FROM auth_session"));
      expect(dump).not.toContain("raw-session-id");
      expect(dump).toContain(sha256("raw-session-id"));
      expect(await findAuthSession(db, "raw-session-id")).toEqual({
        userId,
        expiresAt: 500,
        createdAt: 100,
        email: "ada@example.com",
        name: "Ada",
      });
      expect(await findAuthSession(db, sha256("raw-session-id"))).toBeUndefined();
    });

    it("are renewed, deleted one by one, per user, and when expired", async () => {
      await insertAuthSession(db, { sessionId: "a", userId, expiresAt: 500 }, 100);
      await insertAuthSession(db, { sessionId: "b", userId, expiresAt: 900 }, 100);
      await insertAuthSession(db, { sessionId: "c", userId, expiresAt: 900 }, 100);
      await updateAuthSessionExpiry(db, "a", 1000);
      expect((await findAuthSession(db, "a"))?.expiresAt).toBe(1000);
      await deleteAuthSession(db, "a");
      expect(await findAuthSession(db, "a")).toBeUndefined();
      expect(await deleteExpiredAuthSessions(db, 900)).toBe(2);
      await insertAuthSession(db, { sessionId: "d", userId, expiresAt: 2000 }, 100);
      await insertAuthSession(db, { sessionId: "e", userId, expiresAt: 2000 }, 100);
      expect((await listUserAuthSessions(db, userId)).map((s) => s.idHash)).toEqual([
        sha256("d"),
        sha256("e"),
      ]);
      expect(await deleteUserAuthSessions(db, userId)).toBe(2);
      expect(await listUserAuthSessions(db, userId)).toEqual([]);
    });
  });
});
