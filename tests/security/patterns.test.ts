// Issue #12, should fix: CONTEXT_GROUP_PATTERN was a backtracking regular expression run on
// 256-character groups; `(a+)+b` against 29 `a`s and `!` held the server 1.9 s, and each more
// `a` doubles that. Patterns now run on RE2 (linear time), patterns that need backtracking are
// refused at start-up, and a refused group is told the configured format, not the default one.
// Against a server process: with 40 `a`s a backtracking engine would not answer for days, so
// "answers at all" (a generous liveness deadline, not a timing figure) tells the engines apart.
import { createApiKey, openDatabase } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseEnv } from "../../apps/server/src/env.ts";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { postTicket, staticTicketRequest } from "../../apps/server/test/tickets.ts";

const PATTERN = "(a+)+b";
let server: ServerProcess;
let apiKey: string;

beforeAll(async () => {
  server = await startServerProcess({
    production: false,
    env: { CONTEXT_GROUP_PATTERN: PATTERN },
  });
  const db = openDatabase(server.databasePath);
  apiKey = createApiKey(db, "patterns").key;
  db.close();
});
afterAll(() => server?.stop());

function mint(contextGroup: string): Promise<Response> {
  return postTicket(server, apiKey, staticTicketRequest(contextGroup), {
    signal: AbortSignal.timeout(20_000),
  });
}

it("refuses a catastrophic group at once, saying the configured format", async () => {
  const hostile = await Promise.all(
    Array.from({ length: 20 }, (_, i) => mint(`${"a".repeat(40 + i)}!`)),
  );
  for (const response of hostile) {
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toBe(
      `context_group does not fit this server's format: a whole match of the pattern ${PATTERN}`,
    );
  }
  expect((await mint("aaab")).status).toBe(201);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});

it("refuses at start-up a pattern that needs backtracking, naming the variable", () => {
  expect(() => parseEnv({ CONTEXT_GROUP_PATTERN: "(a)\\1" })).toThrow(
    /CONTEXT_GROUP_PATTERN: is not usable: the context group pattern .* is not one RE2 accepts/,
  );
  expect(() => parseEnv({ CONTEXT_GROUP_PATTERN: "team(?=-)" })).toThrow(
    /CONTEXT_GROUP_PATTERN: is not usable: the context group pattern .* is not one RE2 accepts/,
  );
  expect(
    parseEnv({ CONTEXT_GROUP_PATTERN: "team-\\d+" }).CONTEXT_GROUP_PATTERN?.test("team-7"),
  ).toBe(true);
});
