// Load: 200 agent sessions at once, each in its own context group, each holding an SSE stream
// open while it takes 5 turns (a tool call, plain answers, streamed replies). Zero errors, and a
// consistent database afterwards: 1,000 runs completed, every context idle with 2 messages per
// turn and a gapless log, and every client's streamed view equal to the stored messages.
import type { ContextEvent, ContextMessage } from "@agent-access/agents";
import { all } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  agentBrowser,
  type CookieClient,
  openEvents,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { applyEvent, type ClientView } from "./support/client-view.ts";
import { machine, recordFigures } from "./support/figures.ts";

const SESSIONS = 200;
const TURNS = 5;
const MESSAGES = [
  "How healthy are my webhooks?",
  "hello",
  "stream 60 words",
  "What can you do?",
  "stream 25 words",
];

let server: TestServer;
const errors: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ tokenDelayMs: 0 });
});
afterAll(() => server.close());

/** One session's whole life; returns its context id and what its client ended up holding. */
async function session(index: number): Promise<{ contextId: string; view: ClientView }> {
  const browser: CookieClient = await agentBrowser(server, `tenant:load:user:${index}`);
  const created = await trpcResult<{ context: { id: string } }>(
    await browser.mutation("context.create", { title: `load ${index}` }),
  );
  if (created.status !== 200) throw new Error(`create: ${JSON.stringify(created)}`);
  const contextId = created.data!.context.id;
  let view: ClientView = { messages: [], lastEventId: 0 };
  const stream = await openEvents(browser, contextId, 0);
  if (stream.status !== 200) throw new Error(`events: ${stream.status}`);
  try {
    for (let turn = 0; turn < TURNS; turn++) {
      const text = MESSAGES[(index + turn) % MESSAGES.length]!;
      const sent = await trpcResult<{ runId: string }>(
        await browser.mutation("context.send", { contextId, text }),
      );
      if (sent.status !== 200) throw new Error(`send: ${JSON.stringify(sent)}`);
      for (;;) {
        const next = await stream.next(120_000);
        if (!next) throw new Error("the stream ended");
        view = applyEvent(view, next.id, next.data as unknown as ContextEvent);
        const event = next.data as unknown as ContextEvent;
        if (event.type === "run.finished" && event.runId === sent.data!.runId) {
          if (event.status !== "completed") throw new Error(`run ${event.status}: ${event.error}`);
          break;
        }
      }
    }
  } finally {
    stream.close();
  }
  return { contextId, view };
}

it(`serves ${SESSIONS} concurrent sessions of ${TURNS} turns over HTTP and SSE without an error`, async () => {
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: SESSIONS }, (_, index) =>
      session(index).catch((error: unknown) => {
        // fetch's own message is "fetch failed"; the reason is in its cause.
        const cause = (error as { cause?: unknown })?.cause;
        errors.push(`session ${index}: ${String(error)}${cause ? ` (${String(cause)})` : ""}`);
        return null;
      }),
    ),
  );
  const wallMs = Date.now() - started;
  expect(errors).toEqual([]);

  const contextIds = results.map((result) => result!.contextId);
  const ids = JSON.stringify(contextIds);
  const runs = (await all(
    server.db,
    "SELECT status, count(*) AS n FROM run WHERE context_id IN (SELECT value FROM json_each(?)) GROUP BY status",
    [ids],
  )) as { status: string; n: number }[];
  expect(runs).toEqual([{ status: "completed", n: SESSIONS * TURNS }]);

  const contexts = (await all(
    server.db,
    `SELECT c.id, c.status, c.last_seq AS lastSeq,
              (SELECT count(*) FROM message m WHERE m.context_id = c.id) AS messages,
              (SELECT count(*) FROM context_event e WHERE e.context_id = c.id) AS events,
              (SELECT coalesce(max(seq), 0) FROM context_event e WHERE e.context_id = c.id) AS maxSeq
         FROM context c WHERE c.id IN (SELECT value FROM json_each(?))`,
    [ids],
  )) as {
    id: string;
    status: string;
    lastSeq: number;
    messages: number;
    events: number;
    maxSeq: number;
  }[];
  expect(contexts).toHaveLength(SESSIONS);
  for (const context of contexts) {
    expect(context).toEqual({
      id: context.id,
      status: "idle",
      lastSeq: context.maxSeq,
      messages: 2 * TURNS,
      events: context.maxSeq,
      maxSeq: context.maxSeq,
    });
  }

  // Each client's streamed view is the stored conversation.
  // A reply carries how its run ended; a rating would come from message_feedback (none here).
  for (const result of results) {
    const stored = (
      await all<
        Omit<ContextMessage, "parts" | "outcome" | "feedback"> & {
          parts: string;
          runStatus: string | null;
          runError: string | null;
          rating: string | null;
          comment: string | null;
        }
      >(
        server.db,
        `SELECT m.id, m.seq, m.role, m.parts, m.run_id AS "runId", m.created_at AS "createdAt",
            r.status AS "runStatus", r.error AS "runError", f.rating, f.comment
          FROM message m
          LEFT JOIN run r ON r.id = m.run_id
          LEFT JOIN message_feedback f ON f.message_id = m.id
          WHERE m.context_id = ? ORDER BY m.seq`,
        [result!.contextId],
      )
    ).map(({ runStatus, runError, rating, comment, ...row }) => ({
      ...row,
      parts: JSON.parse(row.parts),
      outcome: runStatus === null ? null : { status: runStatus, error: runError },
      feedback: rating === null ? null : { rating, comment },
    }));
    expect(result!.view.messages).toEqual(stored);
  }

  const events = contexts.reduce((sum, context) => sum + context.events, 0);
  recordFigures("load", {
    sessions: SESSIONS,
    turns: SESSIONS * TURNS,
    errors: errors.length,
    runsCompleted: SESSIONS * TURNS,
    messages: SESSIONS * TURNS * 2,
    eventsStreamed: events,
    wallSeconds: Math.round(wallMs / 100) / 10,
    turnsPerSecond: Math.round((SESSIONS * TURNS) / (wallMs / 1000)),
    machine: machine(),
  });
});
