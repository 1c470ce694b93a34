import { beforeEach, describe, expect, it } from "vitest";
import { createUser, type Db, findUserByEmail, getUser, migrate, openDatabase } from "./index.ts";

let db: Db;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
});

describe("users", () => {
  it("are created once per email and found by email with their password hash", () => {
    const user = createUser(db, { email: "ada@example.com", name: "Ada", passwordHash: "h" }, 10);
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_/),
      email: "ada@example.com",
      name: "Ada",
      createdAt: 10,
    });
    expect(
      createUser(db, { email: "ada@example.com", name: "Other", passwordHash: "x" }),
    ).toBeNull();
    expect(findUserByEmail(db, "ada@example.com")).toEqual({ ...user, passwordHash: "h" });
    expect(getUser(db, user!.id)).toEqual(user);
    expect(findUserByEmail(db, "nobody@example.com")).toBeUndefined();
  });
});
