import { beforeEach, describe, expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  all,
  checkApiKey,
  createApiKey,
  type Db,
  listApiKeys,
  revokeApiKey,
  run,
  sha256,
} from "./index.ts";

let db: Db;
describeEachDialect("api-keys", (suite) => {
  beforeEach(async () => {
    db = await suite.open();
  });

  describe("api keys", () => {
    it("are shown once and stored only as a hash with a short prefix", async () => {
      const created = await createApiKey(db, "ci", 1000);
      expect(created.key).toMatch(/^aak_[\w-]{43}$/);
      const dump = JSON.stringify(await all(db, "SELECT * FROM api_key"));
      expect(dump).not.toContain(created.key);
      expect(dump).toContain(sha256(created.key));
      expect(await listApiKeys(db)).toEqual([
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

    it("are checked by hash, record their last use, and stop working when revoked", async () => {
      const { id, key } = await createApiKey(db, "ci", 1000);
      expect(await checkApiKey(db, "aak_wrong", 2000)).toEqual({ status: "unknown" });
      expect(await checkApiKey(db, key, 3000)).toMatchObject({
        status: "valid",
        key: { id, last_used_at: 3000 },
      });
      expect((await listApiKeys(db))[0]!.last_used_at).toBe(3000);
      expect(await revokeApiKey(db, id, 4000)).toEqual({ tickets: 0, sessions: 0 });
      expect(await checkApiKey(db, key, 5000)).toMatchObject({ status: "revoked" });
      expect((await listApiKeys(db))[0]).toMatchObject({ revoked_at: 4000, last_used_at: 3000 });
      expect(await revokeApiKey(db, "key_missing")).toBeNull();
    });

    it("carry a scope, all unless given, that the database holds to the four kinds", async () => {
      const read = await createApiKey(db, "reader", 1000, "read");
      expect(read.scope).toBe("read");
      expect(await checkApiKey(db, read.key, 2000)).toMatchObject({ key: { scope: "read" } });
      await expect(
        run(db, "UPDATE api_key SET scope = 'root' WHERE id = ?", [read.id]),
      ).rejects.toThrow(/check constraint/i);
    });
  });
});
