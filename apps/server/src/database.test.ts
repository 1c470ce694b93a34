// Opening the database the environment names: on PostgreSQL, whether the pool keeps its
// statements prepared follows DATABASE_PREPARED_STATEMENTS, and without it whether a pooler
// stands in front (DATABASE_DIRECT_URL set): a transaction-mode pooler may not keep them.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { all, closeDatabase, type Db, dialectOf, get } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { expect, it } from "vitest";
import { openServerDatabase } from "./database.ts";
import { parseEnv } from "./env.ts";

/** Whether a statement with parameters stays prepared on the pool's connection. */
async function keepsPrepared(db: Db): Promise<boolean> {
  await get(db, "SELECT CAST(? AS integer) AS prepared_check", [1]);
  const rows = await all<{ statement: string }>(
    db,
    "SELECT statement FROM pg_prepared_statements WHERE NOT from_sql",
  );
  return rows.some((row) => row.statement.includes("prepared_check"));
}

describeEachDialect("the server's database", (suite) => {
  if (suite.dialect === "sqlite") {
    it("opens SQLite at DATABASE_PATH without DATABASE_URL; the PostgreSQL settings do not apply", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-db-"));
      try {
        const env = parseEnv({
          DATABASE_PATH: path.join(dir, "agents.db"),
          DATABASE_PREPARED_STATEMENTS: "false",
        });
        const { db } = await openServerDatabase(env, async () => []);
        expect(dialectOf(db)).toBe("sqlite");
        expect(await get(db, "SELECT CAST(? AS integer) + 1 AS x", [1])).toEqual({ x: 2 });
        await closeDatabase(db);
        expect(fs.existsSync(path.join(dir, "agents.db"))).toBe(true);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
    return;
  }

  it.each([
    [{}, true],
    [{ DATABASE_DIRECT_URL: "direct" }, false],
    [{ DATABASE_DIRECT_URL: "direct", DATABASE_PREPARED_STATEMENTS: "true" }, true],
    [{ DATABASE_PREPARED_STATEMENTS: "false" }, false],
  ])("with %j keeps statements prepared: %s", async (vars, expected) => {
    const url = suite.urlOf(await suite.open())!;
    const source: Record<string, string> = { DATABASE_URL: url, DATABASE_POOL_SIZE: "1" };
    for (const [name, value] of Object.entries(vars)) {
      source[name] = value === "direct" ? url : value;
    }
    const { db } = await openServerDatabase(parseEnv(source), async () => []);
    try {
      expect(await keepsPrepared(db)).toBe(expected);
    } finally {
      await closeDatabase(db);
    }
  });
});
