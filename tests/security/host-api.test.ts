// Fuzzing the host API (/v1) with fast-check: hostile query strings and path parameters, keys
// that are missing, unknown, revoked or of the wrong scope, and wrong methods. Every answer is a
// 200 or a 4xx with the { error: { code, message } } shape, never a 500; no read and no refused
// erasure changes the database (compared whole after every request); another group's rows are
// never touched.
import { hostApiRoutes } from "@agent-access/api";
import { type ApiKeyScope, createApiKey, revokeApiKey } from "@agent-access/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../apps/server/test/harness.ts";
import { converse, rate, scopeOf } from "../../apps/server/test/host.ts";
import { expectUnchanged, fingerprint, type Snapshot, snapshot } from "./support/database.ts";
import { hostileValue } from "./support/hostile.ts";

const SEED = 20_261_201;
const RUNS = 600;
const GROUP = "workspace:1:user:1";

let server: TestServer;
let before: Snapshot;
let unchanged: string;
let contextId: string;
const keys = {} as Record<ApiKeyScope | "revoked", string>;

beforeAll(async () => {
  server = await startTestServer();
  for (const scope of ["tickets", "read", "erase", "all"] as const) {
    keys[scope] = (await createApiKey(server.db, scope, Date.now(), scope)).key;
  }
  const revoked = await createApiKey(server.db, "revoked");
  await revokeApiKey(server.db, revoked.id);
  keys.revoked = revoked.key;
  ({ contextId } = await converse(server, scopeOf(GROUP), "show webhook health"));
  await rate(server, scopeOf(GROUP), contextId, "bad", "a rating for the reads to find");
  before = await snapshot(server.db);
  unchanged = await fingerprint(server.db);
});
afterAll(() => server.close());

/** A query or path value as a client might send it: text, or JSON of anything. */
const param = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom("", "0", "-1", "101", "1e3", "NaN", "null", "%", "..", "../../healthz", GROUP),
  hostileValue("url").map((value) => (typeof value === "string" ? value : JSON.stringify(value))),
);

const query = fc
  .dictionary(
    fc.constantFrom(
      "context_group",
      "cursor",
      "limit",
      "status",
      "agent_id",
      "before",
      "from",
      "to",
      "group_by",
      "context_id",
      "rating",
      "__proto__",
    ),
    param,
    { maxKeys: 5 },
  )
  .map((entries) => new URLSearchParams(entries).toString());

/** A path segment as a client would escape it; a lone surrogate goes as its raw UTF-8 bytes. */
function segment(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
  }
}

/** Built once the keys and the context exist. */
const path = () =>
  fc.oneof(
    fc.constant(`/v1/contexts/${contextId}`),
    param.map((id) => `/v1/contexts/${segment(id)}`),
    param.map((id) => `/v1/contexts/${segment(id)}/messages`),
    fc.constantFrom(
      "/v1/contexts",
      "/v1/usage",
      "/v1/feedback",
      `/v1/contexts/${contextId}/messages`,
    ),
  );

const authorization = () =>
  fc.oneof(
    fc
      .constantFrom(keys.read, keys.all, keys.tickets, keys.erase, keys.revoked)
      .map((key) => `Bearer ${key}`),
    fc.constantFrom(null, "Bearer", "Bearer aak_nope", "Basic dXNlcjpwYXNz"),
  );

async function send(method: string, target: string, auth: string | null) {
  const response = await fetch(`${server.url}${target}`, {
    method,
    headers: auth === null ? {} : { authorization: auth },
  });
  const text = await response.text();
  return { status: response.status, text };
}

function expectAnswered(answer: { status: number; text: string }, what: string) {
  expect(answer.status, what).toBeLessThan(500);
  // Node's HTTP parser refuses a request line over 16 KiB itself, before any route.
  if (answer.status === 431) return;
  const body = JSON.parse(answer.text) as { error?: { code: unknown; message: unknown } };
  if (answer.status >= 400) {
    expect(typeof body.error?.code, what).toBe("string");
    expect(typeof body.error?.message, what).toBe("string");
  }
}

describe("the host API under fuzzing", () => {
  it("answers every read with 200 or a 4xx and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(path(), query, authorization(), async (target, search, auth) => {
        const what = `GET ${target}?${search} as ${auth}`;
        const answer = await send("GET", `${target}?${search}`, auth);
        expectAnswered(answer, what);
        if ((await fingerprint(server.db)) !== unchanged)
          await expectUnchanged(server.db, before, what);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("erases nothing for a key without the erase scope, a bad group or another method", async () => {
    const target = fc.oneof(
      fc.constant(`/v1/context-groups/${encodeURIComponent(GROUP)}`),
      fc.constant(`/v1/contexts/${contextId}`),
      param.map((group) => `/v1/context-groups/${segment(group)}`),
    );
    const refusedKey = fc.constantFrom(null, keys.read, keys.tickets, keys.revoked, "aak_nope");
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ method: fc.constant("DELETE"), target, key: refusedKey }),
          fc.record({
            method: fc.constantFrom("POST", "PUT", "PATCH"),
            target,
            key: fc.constant(keys.all),
          }),
        ),
        async ({ method, target: where, key }) => {
          const what = `${method} ${where} as ${key}`;
          const answer = await send(method, where, key === null ? null : `Bearer ${key}`);
          expectAnswered(answer, what);
          expect(answer.status, what).toBeGreaterThanOrEqual(400);
          if ((await fingerprint(server.db)) !== unchanged)
            await expectUnchanged(server.db, before, what);
        },
      ),
      { seed: SEED, numRuns: RUNS / 3 },
    );
  });

  it("erases nothing of a group it does not name, whatever the group", async () => {
    await fc.assert(
      // Every group but the one that has data: erasing that is what the unit tests check.
      fc.asyncProperty(
        param.filter((group) => group !== GROUP),
        async (group) => {
          const what = `DELETE group ${JSON.stringify(group)}`;
          const answer = await send(
            "DELETE",
            `/v1/context-groups/${segment(group)}`,
            `Bearer ${keys.erase}`,
          );
          expectAnswered(answer, what);
          await expectUnchanged(server.db, before, what);
        },
      ),
      { seed: SEED, numRuns: RUNS / 3 },
    );
  });

  it("lists each route it fuzzed", () => {
    expect(hostApiRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual([
      "delete /v1/context-groups/{group}",
      "delete /v1/contexts/{id}",
      "get /v1/contexts",
      "get /v1/contexts/{id}",
      "get /v1/contexts/{id}/messages",
      "get /v1/feedback",
      "get /v1/usage",
    ]);
  });
});
