// Issue #12 item 6: a model provider's errors reached users verbatim ("Incorrect API key
// provided: sk-live-…", "connect ECONNREFUSED 127.0.0.1:4799"). A failed run now tells its user
// only a generic message with a reference id; the server log keeps the detail under that id.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createAgentRuntime, resolveModel } from "@agent-access/agents";
import { closeDatabase, migrate, openDatabase } from "@agent-access/db";
import { afterEach, expect, it } from "vitest";
import { testAgents } from "../../apps/server/test/agents.ts";
import {
  agentBrowser,
  openEvents,
  startTestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { recordFigures } from "./support/figures.ts";

const SECRET_KEY = "sk-live-0123456789abcdefSECRET";
const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

/** An OpenAI-compatible provider that refuses every call as OpenAI does a wrong key. */
async function refusingProvider(): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(401, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${SECRET_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

/** A base URL where nothing listens. */
async function closedPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

async function runAgainst(baseUrl: string) {
  const logged: { reference: string; detail: string }[] = [];
  const db = openDatabase(":memory:");
  await migrate(db);
  const server = await startTestServer({
    db,
    runtime: createAgentRuntime({
      db,
      agents: testAgents,
      model: resolveModel({ model: "openai-compatible:gpt-test", baseUrl, apiKey: SECRET_KEY }),
      logFailure: (reference, error) =>
        logged.push({ reference, detail: error instanceof Error ? error.message : String(error) }),
    }),
  });
  open.push({
    close: async () => {
      await server.close();
      await closeDatabase(db);
    },
  });
  const browser = await agentBrowser(server, "team:providers");
  const created = await trpcResult<{ context: { id: string } }>(
    await browser.mutation("context.create", { firstMessage: "hello" }),
  );
  const stream = await openEvents(browser, created.data!.context.id, 0);
  const events = await stream.until("run.finished", 60_000);
  stream.close();
  const finished = events.at(-1)!.data as unknown as { status: string; error: string };
  const messages = await trpcResult<{ items: unknown[] }>(
    await browser.query("context.messages", { contextId: created.data!.context.id }),
  );
  return { finished, logged, seenByUser: JSON.stringify({ events, messages }) };
}

it.each([
  ["a refused API key", refusingProvider, /Incorrect API key provided: sk-live-/],
  ["an unreachable provider", closedPort, /ECONNREFUSED|fetch failed|Cannot connect/],
])("tells the user a reference, not the detail, for %s", async (_name, provider, detail) => {
  const { finished, logged, seenByUser } = await runAgainst(await provider());
  expect(finished.status).toBe("failed");
  const reference = /\(reference (err_[0-9a-f]{12})\)/.exec(finished.error)?.[1];
  expect(reference, finished.error).toBeDefined();
  expect(seenByUser).not.toContain(SECRET_KEY);
  expect(seenByUser).not.toMatch(/sk-live|ECONNREFUSED|127\.0\.0\.1|Incorrect API key/);
  // The log has the detail, under the same reference.
  expect(logged).toEqual([{ reference, detail: expect.stringMatching(detail) }]);
  recordFigures(`provider-error:${_name}`, { reference, userMessage: finished.error });
});
