// PostgreSQL keeps each statement text prepared on the pool's connections (named statements):
// parsed once per connection, then bound and run. Off, every statement is unnamed, as a
// transaction-mode pooler without prepared statements needs. A pool prepares at most
// MAX_PREPARED_STATEMENTS texts, so texts made from input cannot fill a connection's memory.
import { expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import {
  all,
  closeDatabase,
  type Db,
  get,
  MAX_PREPARED_STATEMENTS,
  openPostgres,
} from "./index.ts";

/** The statements this connection keeps prepared, by the protocol (not SQL's PREPARE). */
async function prepared(db: Db): Promise<string[]> {
  const rows = await all<{ statement: string }>(
    db,
    "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql ORDER BY prepare_time",
  );
  return rows.map((row) => row.statement);
}

describeEachDialect("prepared statements", (suite) => {
  if (suite.dialect === "sqlite") {
    it("SQLite prepares each text once on its one connection, whatever the pool says", async () => {
      const db = await suite.open({ migrate: false });
      expect(await get(db, "SELECT ? + 1 AS x", [1])).toEqual({ x: 2 });
      expect(await get(db, "SELECT ? + 1 AS x", [41])).toEqual({ x: 42 });
    });
    return;
  }

  /** A pool of one connection on the suite's schema, so every statement runs on the same one. */
  async function pool(preparedStatements?: boolean): Promise<Db> {
    const url = suite.urlOf(await suite.open({ migrate: false }))!;
    const db = openPostgres(url, { poolSize: 1, preparedStatements });
    return db;
  }

  it("prepares a statement once per connection and runs it again with new values", async () => {
    const db = await pool();
    try {
      expect(await get(db, "SELECT CAST(? AS integer) + 1 AS x", [1])).toEqual({ x: 2 });
      expect(await get(db, "SELECT CAST(? AS integer) + 1 AS x", [41])).toEqual({ x: 42 });
      expect(await get(db, "SELECT CAST(? AS text) AS y", ["a"])).toEqual({ y: "a" });
      expect(await prepared(db)).toEqual([
        "SELECT CAST($1 AS integer) + 1 AS x",
        "SELECT CAST($1 AS text) AS y",
      ]);
    } finally {
      await closeDatabase(db);
    }
  });

  it("prepares nothing when told not to", async () => {
    const db = await pool(false);
    try {
      expect(await get(db, "SELECT CAST(? AS integer) + 1 AS x", [1])).toEqual({ x: 2 });
      expect(await get(db, "SELECT CAST(? AS integer) + 1 AS x", [41])).toEqual({ x: 42 });
      expect(await prepared(db)).toEqual([]);
    } finally {
      await closeDatabase(db);
    }
  });

  it(`keeps at most ${MAX_PREPARED_STATEMENTS} texts prepared; the others run unnamed`, async () => {
    const db = await pool();
    try {
      const texts = MAX_PREPARED_STATEMENTS + 25;
      for (let i = 0; i < texts; i++) {
        expect(await get(db, `SELECT CAST(? AS integer) + ${i} AS x`, [1])).toEqual({ x: i + 1 });
      }
      // Again: the prepared ones are reused, the others still run.
      for (let i = 0; i < texts; i += 37) {
        expect(await get(db, `SELECT CAST(? AS integer) + ${i} AS x`, [2])).toEqual({ x: i + 2 });
      }
      const kept = await prepared(db);
      expect(kept).toHaveLength(MAX_PREPARED_STATEMENTS);
      expect(kept.at(-1)).toBe(`SELECT CAST($1 AS integer) + ${MAX_PREPARED_STATEMENTS - 1} AS x`);
    } finally {
      await closeDatabase(db);
    }
  });

  // Without a listener on the checked-out client, its error event ended the process.
  it.each([
    [true, "prepares again on the new one"],
    [false, "unnamed"],
  ])(
    "a connection PostgreSQL ends mid-query fails that query, and the pool goes on (prepared: %s, %s)",
    async (preparedStatements) => {
      const db = await pool(preparedStatements);
      try {
        expect(await get(db, "SELECT CAST(? AS integer) AS x", [1])).toEqual({ x: 1 });
        await expect(
          get(db, "SELECT pg_terminate_backend(pg_backend_pid()) AS ended", []),
        ).rejects.toThrow(/terminating connection/);
        let answer: unknown;
        for (let attempt = 0; attempt < 20 && answer === undefined; attempt++) {
          answer = await get(db, "SELECT CAST(? AS integer) AS x", [7]).catch(() => undefined);
        }
        expect(answer).toEqual({ x: 7 });
        expect(await prepared(db)).toEqual(
          preparedStatements ? ["SELECT CAST($1 AS integer) AS x"] : [],
        );
      } finally {
        await closeDatabase(db);
      }
    },
  );
});
