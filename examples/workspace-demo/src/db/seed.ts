// Demo data for development: one user, two workspaces, and webhook traffic of mixed health
// (a healthy endpoint, a failing one, a slow one) for the demo agent to read.

import { createApiKey, type Db, newId, statement } from "@agent-access/db";

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
export function isSeeded(db: Db): boolean {
  return statement(db, "SELECT 1 FROM user WHERE email = ?").get(DEMO_EMAIL) !== undefined;
}

/**
 * Seeds the demo data into a migrated database. `passwordHash` is the demo password hashed by
 * the caller (hashing belongs to the auth package). Returns null when already seeded.
 */
export function seedDemo(db: Db, passwordHash: string, now = Date.now()): SeedResult | null {
  if (isSeeded(db)) return null;
  const next = random(42);
  return db.transaction(() => {
    const userId = newId("usr");
    statement(
      db,
      "INSERT INTO user (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    ).run(userId, DEMO_EMAIL, "Demo User", passwordHash, now);

    const workspaceIds = WORKSPACES.map((plan) => {
      const workspaceId = newId("ws");
      statement(db, "INSERT INTO workspace (id, name, created_at) VALUES (?, ?, ?)").run(
        workspaceId,
        plan.name,
        now,
      );
      statement(
        db,
        "INSERT INTO workspace_member (workspace_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
      ).run(workspaceId, userId, now);
      for (const endpoint of plan.endpoints) {
        const endpointId = newId("we");
        statement(
          db,
          "INSERT INTO webhook_endpoint (id, workspace_id, url, description, created_at) VALUES (?, ?, ?, ?, ?)",
        ).run(endpointId, workspaceId, endpoint.url, endpoint.description, now);
        for (let i = 0; i < 60; i++) {
          const failed = next() < endpoint.failureRate;
          const duration = Math.round(
            endpoint.baseLatencyMs * (0.5 + next() * (next() < 0.1 ? 4 : 1)),
          );
          statement(
            db,
            `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, response_status,
               duration_ms, attempt, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)`,
          ).run(
            newId("whd"),
            endpointId,
            EVENT_TYPES[i % EVENT_TYPES.length]!,
            failed ? "failed" : "succeeded",
            failed ? (next() < 0.5 ? 500 : 503) : 200,
            duration,
            now - (60 - i) * 60_000,
          );
        }
      }
      return workspaceId;
    });

    const apiKey = createApiKey(db, "development", now);
    return { userId, workspaceIds, apiKey };
  })();
}
