// The framework's test agent: the shapes the engine must handle (a tool that reads the tenant's
// data, one behind approval that changes it, and askUser), over one small table of its own, so
// that the framework's tests need no example app. Exported as "@agent-access/agents/testing".
import { type Db, type MigrationSet, statement } from "@agent-access/db";
import { z } from "zod";
import { askUser, defineAgent, defineTool } from "./agent.ts";

export const TEST_AGENT = "test-assistant";

const FIXTURE_SQL = `CREATE TABLE IF NOT EXISTS fixture_delivery (
  id                 INTEGER PRIMARY KEY,
  context_group      TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
  retry_requested_at INTEGER
) STRICT`;

/** The fixture's table as an app's migration set, for a server that runs the test agent. */
export const fixtureMigrations: MigrationSet = {
  name: "test-fixture",
  migrations: [{ version: 1, name: "fixture_delivery", sql: FIXTURE_SQL }],
};

/** Creates the fixture's table (idempotent). */
export function installFixture(db: Db): void {
  db.exec(FIXTURE_SQL);
}

/** Gives `contextGroup` `deliveries` deliveries, every `failEvery`-th of them failed. */
export function seedFixture(db: Db, contextGroup: string, deliveries = 180, failEvery = 6): void {
  installFixture(db);
  const insert = statement(
    db,
    "INSERT INTO fixture_delivery (context_group, status) VALUES (?, ?)",
  );
  db.transaction(() => {
    for (let i = 1; i <= deliveries; i++) {
      insert.run(contextGroup, i % failEvery === 0 ? "failed" : "succeeded");
    }
  })();
}

export const getWebhookHealth = defineTool({
  description: "Report the health of this workspace's webhooks: how many deliveries failed.",
  inputSchema: z.object({
    sinceHours: z.number().int().min(1).optional().describe("Only the last N hours."),
  }),
  execute(input, context) {
    const row = statement<[string], { deliveries: number; failed: number }>(
      context.db,
      `SELECT count(*) AS deliveries, coalesce(sum(status = 'failed'), 0) AS failed
         FROM fixture_delivery WHERE context_group = ?`,
    ).get(context.contextGroup)!;
    const succeeded = row.deliveries - row.failed;
    return {
      ...row,
      // The fixture's rows carry no time: the window is echoed, not applied.
      sinceHours: input.sinceHours ?? null,
      summary: `Across ${row.deliveries} deliveries to this tenant's endpoints, ${row.failed} failed and ${succeeded} succeeded, a success rate of ${row.deliveries === 0 ? 0 : Math.round((succeeded / row.deliveries) * 100)}%.`,
    };
  },
});

export const retryFailedDeliveries = defineTool({
  description: "Retry the failed webhook deliveries of this workspace.",
  inputSchema: z.object({}),
  needsApproval: true,
  execute(_input, context) {
    const { changes } = statement(
      context.db,
      `UPDATE fixture_delivery SET retry_requested_at = ?
        WHERE context_group = ? AND status = 'failed' AND retry_requested_at IS NULL`,
    ).run(context.now(), context.contextGroup);
    return {
      marked: changes,
      summary:
        changes === 0
          ? "There were no failed deliveries left to retry."
          : `Marked ${changes} failed deliveries for retry.`,
    };
  },
});

export const testAssistant = defineAgent({
  id: TEST_AGENT,
  name: "Test assistant",
  description: "The framework's test agent.",
  instructions: "Answer with getWebhookHealth; retry with retryFailedDeliveries; ask when unsure.",
  tools: { getWebhookHealth, retryFailedDeliveries, askUser },
  starterPrompts: [
    "How healthy are my webhooks?",
    "Please retry the failed deliveries",
    "Ask me a question",
  ],
});
