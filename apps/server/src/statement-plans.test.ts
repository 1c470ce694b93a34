// What SQLite's planner makes of every statement on a turn's path, the API side's included:
// opening a context's event stream, a send and its run to the end (the title too), the list,
// the page of messages. A statement that reads more than it needs still answers correctly and
// passes every other test, and only slows down as a tenant's history grows: here no statement
// scans a table that grows with use, and the context table is read by id, except by the list
// (whose order is the group's index) and by the run limits (through the index of running
// contexts: before it, the group's whole history on every send).
import { observeQueries, openDatabase, sqliteOf } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { agentBrowser, openEvents, startTestServer, type TestServer } from "../test/harness.ts";

/** Tables that only the operator fills (`pnpm cli webhook add`): read whole, as they stay small. */
const OPERATOR_TABLES = new Set(["host_webhook_endpoint"]);

let server: TestServer;

beforeAll(async () => {
  // SQLite in memory, whatever the suite's dialect: the plans checked are SQLite's.
  server = await startTestServer({ db: openDatabase(":memory:") });
});
afterAll(() => server.close());

/** Each distinct statement (not BEGIN, COMMIT, ROLLBACK) with the plan SQLite chose for it. */
async function plansOf(work: () => Promise<void>): Promise<{ sql: string; plan: string[] }[]> {
  const seen = new Map<string, readonly unknown[]>();
  const stop = observeQueries(server.db, (query) => seen.set(query.sql, query.parameters));
  try {
    await work();
  } finally {
    stop();
  }
  const sqlite = sqliteOf(server.db)!;
  return [...seen]
    .filter(([sql]) => !/^(BEGIN|COMMIT|ROLLBACK)\b/.test(sql))
    .map(([sql, parameters]) => ({
      sql: sql.replace(/\s+/g, " "),
      plan: (
        sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]
      ).map((row) => row.detail),
    }));
}

it("every statement of a turn reads through an index, and contexts by id", async () => {
  const browser = await agentBrowser(server, "tenant:acme:user:12");
  // History for the group: idle contexts, which the run limits must not read.
  for (let i = 0; i < 3; i++) await browser.trpc.context.create.mutate({ title: `Old ${i}` });
  const { context } = await browser.trpc.context.create.mutate({});
  const plans = await plansOf(async () => {
    const stream = await openEvents(browser, context.id);
    try {
      await browser.trpc.context.send.mutate({ contextId: context.id, text: "stream 5 words" });
      await expect
        .poll(async () => (await browser.trpc.context.get.query({ contextId: context.id })).status)
        .toBe("idle");
      await browser.trpc.context.list.query({});
      await browser.trpc.context.messages.query({ contextId: context.id });
    } finally {
      stream.close();
    }
  });
  // The turn ran to its end, the title included, and the list and the page were read.
  expect((await browser.trpc.context.get.query({ contextId: context.id })).title).toBe(
    "Stream 5 words",
  );
  expect(plans.length).toBeGreaterThan(15);
  const described = plans.map(({ sql, plan }) => `${sql}\n    ${plan.join(" | ")}`).join("\n");

  const scans = plans.flatMap(({ sql, plan }) =>
    plan
      // Not tables: json_each over a parameter or a column, a VALUES list of the statement's rows.
      .filter((line) => !/^SCAN (\w+ VIRTUAL TABLE|\d+-ROW VALUES CLAUSE)/.test(line))
      .map((line) => /^SCAN (\w+)/.exec(line)?.[1])
      .filter((table): table is string => table !== undefined && !OPERATOR_TABLES.has(table))
      .map((table) => `${table}: ${sql}`),
  );
  expect(scans, described).toEqual([]);

  const groupWide = plans.filter(({ plan }) =>
    plan.some((line) => /\bcontext USING (COVERING )?INDEX context_group_activity\b/.test(line)),
  );
  expect(
    groupWide.map(({ sql }) => sql),
    described,
  ).toEqual([expect.stringMatching(/ORDER BY (c\.)?last_activity_at DESC/)]);
});
