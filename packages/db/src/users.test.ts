import { beforeEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import { createUser, type Db, findUserByEmail, getUser } from "./index.ts";

let db: Db;
describeEachDialect("users", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  describe("users", () => {
    it("are created once per email and found by email with their password hash", async () => {
      const user = await createUser(
        db,
        { email: "ada@example.com", name: "Ada", passwordHash: "h" },
        10,
      );
      expect(user).toEqual({
        id: expect.stringMatching(/^usr_/),
        email: "ada@example.com",
        name: "Ada",
        createdAt: 10,
      });
      expect(
        await createUser(db, { email: "ada@example.com", name: "Other", passwordHash: "x" }),
      ).toBeNull();
      expect(await findUserByEmail(db, "ada@example.com")).toEqual({ ...user, passwordHash: "h" });
      expect(await getUser(db, user!.id)).toEqual(user);
      expect(await findUserByEmail(db, "nobody@example.com")).toBeUndefined();
    });
  });
});
