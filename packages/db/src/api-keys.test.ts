import { beforeEach, describe, expect, it } from "vitest";
import {
  checkApiKey,
  createApiKey,
  type Db,
  listApiKeys,
  migrate,
  openDatabase,
  revokeApiKey,
  sha256,
} from "./index.ts";

let db: Db;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
});

describe("api keys", () => {
  it("are shown once and stored only as a hash with a short prefix", () => {
    const created = createApiKey(db, "ci", 1000);
    expect(created.key).toMatch(/^aak_[\w-]{43}$/);
    const dump = JSON.stringify(db.prepare("SELECT * FROM api_key").all());
    expect(dump).not.toContain(created.key);
    expect(dump).toContain(sha256(created.key));
    expect(listApiKeys(db)).toEqual([
      {
        id: created.id,
        name: "ci",
        prefix: created.key.slice(0, 12),
        scope: "all",
        created_at: 1000,
        last_used_at: null,
        revoked_at: null,
      },
    ]);
  });

  it("are checked by hash, record their last use, and stop working when revoked", () => {
    const { id, key } = createApiKey(db, "ci", 1000);
    expect(checkApiKey(db, "aak_wrong", 2000)).toEqual({ status: "unknown" });
    expect(checkApiKey(db, key, 3000)).toMatchObject({
      status: "valid",
      key: { id, last_used_at: 3000 },
    });
    expect(listApiKeys(db)[0]!.last_used_at).toBe(3000);
    expect(revokeApiKey(db, id, 4000)).toEqual({ tickets: 0, sessions: 0 });
    expect(checkApiKey(db, key, 5000)).toMatchObject({ status: "revoked" });
    expect(listApiKeys(db)[0]).toMatchObject({ revoked_at: 4000, last_used_at: 3000 });
    expect(revokeApiKey(db, "key_missing")).toBeNull();
  });

  it("carry a scope, all unless given, that the database holds to the four kinds", () => {
    const read = createApiKey(db, "reader", 1000, "read");
    expect(read.scope).toBe("read");
    expect(checkApiKey(db, read.key, 2000)).toMatchObject({ key: { scope: "read" } });
    expect(() => db.prepare("UPDATE api_key SET scope = 'root' WHERE id = ?").run(read.id)).toThrow(
      /CHECK constraint/,
    );
  });
});
