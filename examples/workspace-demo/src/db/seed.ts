// Demo data for development: one user, two workspaces, and webhook traffic of mixed health
// (a healthy endpoint, a failing one, a slow one) for the demo agent to read.

import { createApiKey, type Db, get, newId, run, transaction } from "@agent-access/db";

export const DEMO_EMAIL = "demo@example.com";
export const DEMO_PASSWORD = "demo-password";

export interface SeedResult {
  userId: string;
  workspaceIds: string[];
  /** The development API key, shown this once. */
  apiKey: { id: string; name: string; key: string };
}

interface EndpointPlan {
  url: string;
  description: string;
  failureRate: number;
  baseLatencyMs: number;
}

const WORKSPACES: { name: string; endpoints: EndpointPlan[] }[] = [
  {
    name: "Acme Production",
    endpoints: [
      {
        url: "https://api.acme.test/hooks/orders",
        description: "Order events",
        failureRate: 0.02,
        baseLatencyMs: 120,
      },
      {
        url: "https://billing.acme.test/webhooks",
        description: "Billing sync",
        failureRate: 0.45,
        baseLatencyMs: 300,
      },
      {
        url: "https://crm.acme.test/inbound",
        description: "CRM updates",
        failureRate: 0.05,
        baseLatencyMs: 2400,
      },
    ],
  },
  {
    name: "Acme Staging",
    endpoints: [
      {
        url: "https://staging.acme.test/hooks",
        description: "Staging mirror",
        failureRate: 0.1,
        baseLatencyMs: 200,
      },
    ],
  },
];

const EVENT_TYPES = ["order.created", "order.paid", "invoice.sent", "customer.updated"];

/** A small deterministic PRNG (mulberry32) so every seeded database looks the same. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** True once the demo user exists: seeding is for empty databases only. */
export async function isSeeded(db: Db): Promise<boolean> {
  const row = await get(db, 'SELECT 1 AS found FROM "user" WHERE email = ?', [DEMO_EMAIL]);
  return row !== undefined;
}

/**
 * Seeds the demo data into a migrated database. `passwordHash` is the demo password hashed by
 * the caller (hashing belongs to the auth package). Returns null when already seeded.
 */
export async function seedDemo(
  db: Db,
  passwordHash: string,
  now = Date.now(),
): Promise<SeedResult | null> {
  const next = random(42);
  return transaction(db, async (tx) => {
    // Inside the transaction: of two seeds at once, the second finds the first's user.
    if (await isSeeded(tx)) return null;
    const userId = newId("usr");
    await run(
      tx,
      'INSERT INTO "user" (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      [userId, DEMO_EMAIL, "Demo User", passwordHash, now],
    );

    const workspaceIds: string[] = [];
    for (const plan of WORKSPACES) {
      const workspaceId = newId("ws");
      workspaceIds.push(workspaceId);
      await run(tx, "INSERT INTO workspace (id, name, created_at) VALUES (?, ?, ?)", [
        workspaceId,
        plan.name,
        now,
      ]);
      await run(
        tx,
        "INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
        [workspaceId, userId, now],
      );
      for (const endpoint of plan.endpoints) {
        const endpointId = newId("we");
        await run(
          tx,
          "INSERT INTO webhook_endpoint (id, workspace_id, url, description, created_at) VALUES (?, ?, ?, ?, ?)",
          [endpointId, workspaceId, endpoint.url, endpoint.description, now],
        );
        for (let i = 0; i < 60; i++) {
          const failed = next() < endpoint.failureRate;
          const duration = Math.round(
            endpoint.baseLatencyMs * (0.5 + next() * (next() < 0.1 ? 4 : 1)),
          );
          await run(
            tx,
            `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, response_status,
               duration_ms, attempt, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
            [
              newId("whd"),
              endpointId,
              EVENT_TYPES[i % EVENT_TYPES.length]!,
              failed ? "failed" : "succeeded",
              failed ? (next() < 0.5 ? 500 : 503) : 200,
              duration,
              now - (60 - i) * 60_000,
            ],
          );
        }
      }
    }

    const apiKey = await createApiKey(tx, "development", now);
    return { userId, workspaceIds, apiKey };
  });
}
