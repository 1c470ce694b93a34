// SIGKILL at 20 seeded random points while runs are under way (mid-reply, during a tool call,
// waiting for approval or for an answer, just after a send or an approval), with other replies
// streaming beside them; after every restart the invariants must hold:
// - every user message the server acknowledged (send answered 200) is there, with its text;
// - every run is finished (completed, failed, cancelled, interrupted) or legitimately waiting,
//   with exactly one run.finished event when finished; no run or context is left running;
// - every context's log is 1..last_seq without a gap, and last_seq is its highest seq;
// - every event a client saw before the kill is in the log, unchanged (publish after commit);
// - a client resuming from its last event id and applying what follows to the messages it had
//   holds exactly the messages the server now has.
import type { ContextEvent, ContextMessage } from "@agent-access/agents";
import {
  all,
  closeDatabase,
  column,
  createApiKey,
  type Db,
  openDatabase,
  value,
} from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CookieClient, openEvents, trpcResult } from "../../apps/server/test/harness.ts";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import { applyEvent, type ClientView } from "./support/client-view.ts";
import { until } from "./support/database.ts";
import { recordFigures } from "./support/figures.ts";

const POINTS = 20;
const SEED = 20_260_518;
const KINDS = [
  "mid-reply",
  "during a tool call",
  "waiting for approval",
  "waiting for input",
  "just after a send",
  "just after an approval",
] as const;
type Kind = (typeof KINDS)[number];

/** mulberry32: a small seeded generator, so that a failing point can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = seeded(SEED);
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A conversation as the test's client knows it. */
interface Tracked {
  contextId: string;
  view: ClientView;
  /** User messages the server acknowledged: id and text. */
  acknowledged: Map<string, string>;
  /** Every event the client was sent, by seq, across the server's lives. */
  seen: Map<number, ContextEvent>;
  /** A reader of the live stream during the current life of the server. */
  follower?: { close(): void; done: Promise<void> };
  /** Set when applying a streamed event broke the client's view. */
  error?: unknown;
}

let server: ServerProcess;
let db: Db;
let browser: CookieClient;
const tracked: Tracked[] = [];
const counts = { kills: 0, byKind: {} as Record<string, number>, restarts: 0, checks: 0 };

async function mutation<T>(path: string, input: unknown) {
  return trpcResult<T>(await browser.mutation(path, input));
}

async function page(contextId: string) {
  const answer = await trpcResult<{
    items: ContextMessage[];
    hasMore: boolean;
    lastEventId: number;
  }>(await browser.query("context.messages", { contextId, limit: 100 }));
  if (!answer.data) throw new Error(`context.messages failed: ${JSON.stringify(answer)}`);
  expect(answer.data.hasMore).toBe(false);
  return answer.data;
}

/** Follows the context's stream after the client's view, applying events as they come. */
async function follow(conversation: Tracked): Promise<void> {
  const stream = await openEvents(browser, conversation.contextId, conversation.view.lastEventId);
  const done = (async () => {
    try {
      for (;;) {
        const next = await stream.next(300_000);
        if (!next) return;
        const event = next.data as unknown as ContextEvent;
        conversation.seen.set(next.id, event);
        conversation.view = applyEvent(conversation.view, next.id, event);
      }
    } catch (error) {
      // The kill ends the stream with a network error; anything else breaks the view.
      if (
        !/terminated|other side closed|aborted|fetch failed|ECONNRESET|socket/i.test(String(error))
      ) {
        conversation.error = error;
      }
    }
  })();
  conversation.follower = { close: () => stream.close(), done };
}

async function newConversation(): Promise<Tracked> {
  const created = await mutation<{ context: { id: string } }>("context.create", {
    title: "crash test",
  });
  const contextId = created.data!.context.id;
  const first = await page(contextId);
  const conversation: Tracked = {
    contextId,
    view: { messages: first.items, lastEventId: first.lastEventId },
    acknowledged: new Map(),
    seen: new Map(),
  };
  tracked.push(conversation);
  return conversation;
}

async function statusOf(contextId: string): Promise<string> {
  return (await value<string>(db, "SELECT status FROM context WHERE id = ?", [contextId]))!;
}

/** An idle conversation: an existing one half the time, else a new one. */
async function idleConversation(busy: Set<Tracked>): Promise<Tracked> {
  const idle: Tracked[] = [];
  for (const c of tracked) {
    if (!busy.has(c) && (await statusOf(c.contextId)) === "idle") idle.push(c);
  }
  const conversation = idle.length > 0 && random() < 0.5 ? pick(idle) : await newConversation();
  busy.add(conversation);
  return conversation;
}

/** Sends and records the acknowledgement; returns once the server answered 200. */
async function send(conversation: Tracked, text: string): Promise<void> {
  const answer = await mutation<{ messageId: string }>("context.send", {
    contextId: conversation.contextId,
    text,
  });
  expect(answer.status, JSON.stringify(answer)).toBe(200);
  conversation.acknowledged.set(answer.data!.messageId, text);
}

/** Waits until the client has been sent `count` events since `fromSeq` that pass `test`. */
function untilSeen(
  conversation: Tracked,
  fromSeq: number,
  test: (event: ContextEvent) => boolean,
  count = 1,
): Promise<true> {
  return until(
    `events in ${conversation.contextId}`,
    () => {
      if (conversation.error) throw conversation.error;
      let found = 0;
      for (const [seq, event] of conversation.seen) if (seq > fromSeq && test(event)) found += 1;
      return found >= count ? true : undefined;
    },
    { everyMs: 2 },
  );
}

/** Brings the run of one point to where the kill should land; resolves at that moment. */
async function prepare(kind: Kind, busy: Set<Tracked>): Promise<void> {
  if (kind === "just after an approval") {
    let waiting: Tracked | undefined;
    for (const c of tracked) {
      if (!busy.has(c) && (await statusOf(c.contextId)) === "waiting_for_approval") {
        waiting = c;
        break;
      }
    }
    if (!waiting) {
      waiting = await idleConversation(busy);
      await follow(waiting);
      const from = waiting.view.lastEventId;
      await send(waiting, "Please retry the failed deliveries");
      await untilSeen(waiting, from, (event) => event.type === "run.waiting");
    } else {
      busy.add(waiting);
      await follow(waiting);
    }
    const toolCallId = (await value<string>(
      db,
      `SELECT json_extract(payload, '$.toolCallId') FROM context_event
          WHERE context_id = ? AND type = 'run.waiting' ORDER BY seq DESC LIMIT 1`,
      [waiting.contextId],
    ))!;
    const answer = await mutation("context.respondToApproval", {
      contextId: waiting.contextId,
      toolCallId,
      decision: pick(["allow_once", "allow_always", "deny"]),
    });
    expect(answer.status, JSON.stringify(answer)).toBe(200);
    return;
  }

  const conversation = await idleConversation(busy);
  await follow(conversation);
  const from = conversation.view.lastEventId;
  switch (kind) {
    case "mid-reply":
      await send(conversation, `stream ${between(100, 2000)} words`);
      await untilSeen(conversation, from, (e) => e.type === "message.delta", between(1, 25));
      return;
    case "during a tool call":
      await send(conversation, "How healthy are my webhooks?");
      await untilSeen(
        conversation,
        from,
        (e) =>
          e.type === "message.part" && e.part.type === "tool-call" && e.part.state === "running",
      );
      return;
    case "waiting for approval":
      await send(conversation, "Please retry the failed deliveries");
      await untilSeen(conversation, from, (e) => e.type === "run.waiting");
      return;
    case "waiting for input":
      await send(conversation, "Ask me a question");
      await untilSeen(conversation, from, (e) => e.type === "run.waiting");
      return;
    case "just after a send":
      await send(conversation, pick(["stream 300 words", "How healthy are my webhooks?", "hi"]));
      return;
  }
}

/** Every invariant, over every conversation the test made and the whole database. */
async function checkInvariants(point: string): Promise<void> {
  const runs = (await all(db, "SELECT id, context_id, status, trigger_message_id FROM run")) as {
    id: string;
    context_id: string;
    status: string;
    trigger_message_id: string;
  }[];
  const finished = new Set(["completed", "failed", "cancelled", "interrupted"]);
  for (const run of runs) {
    const what = `${point}: run ${run.id}`;
    expect(finished.has(run.status) || run.status.startsWith("waiting_for_"), what).toBe(true);
    const endings = await column(
      db,
      `SELECT json_extract(payload, '$.status') FROM context_event
          WHERE context_id = ? AND type = 'run.finished' AND json_extract(payload, '$.runId') = ?`,
      [run.context_id, run.id],
    );
    expect(endings, what).toEqual(finished.has(run.status) ? [run.status] : []);
    if (run.status.startsWith("waiting_for_")) {
      expect(await statusOf(run.context_id), what).toBe(run.status);
    }
    // A send is one transaction: its user message and its run exist together or not at all.
    const trigger = await value(db, "SELECT role FROM message WHERE id = ?", [
      run.trigger_message_id,
    ]);
    expect(trigger, what).toBe("user");
  }
  const runningContexts = await value(db, "SELECT count(*) FROM context WHERE status = 'running'");
  expect(runningContexts, `${point}: contexts left running`).toBe(0);
  const untriggered = await column(
    db,
    `SELECT m.id FROM message m WHERE m.role = 'user'
          AND NOT EXISTS (SELECT 1 FROM run r WHERE r.trigger_message_id = m.id)`,
  );
  expect(untriggered, `${point}: user messages without a run`).toEqual([]);

  const logs = (await all(
    db,
    `SELECT c.id, c.last_seq AS lastSeq, count(e.seq) AS events, coalesce(max(e.seq), 0) AS maxSeq,
              coalesce(min(e.seq), 1) AS minSeq
         FROM context c LEFT JOIN context_event e ON e.context_id = c.id GROUP BY c.id`,
  )) as { id: string; lastSeq: number; events: number; maxSeq: number; minSeq: number }[];
  for (const log of logs) {
    // With seq the primary key, count = max and min = 1 means exactly 1..max.
    expect({
      context: log.id,
      events: log.events,
      minSeq: log.minSeq,
      lastSeq: log.lastSeq,
    }).toEqual({ context: log.id, events: log.maxSeq, minSeq: 1, lastSeq: log.maxSeq });
  }

  for (const conversation of tracked) {
    const what = `${point}: context ${conversation.contextId}`;
    if (conversation.error) throw conversation.error;
    const now = await page(conversation.contextId);
    const texts = new Map(
      now.items
        .filter((message) => message.role === "user")
        .map((message) => [
          message.id,
          message.parts.map((part) => (part.type === "text" ? part.text : "")).join(""),
        ]),
    );
    for (const [messageId, text] of conversation.acknowledged) {
      expect(texts.get(messageId), `${what}: acknowledged message ${messageId}`).toBe(text);
    }
    for (const [seq, event] of conversation.seen) {
      const stored = (await value<string | undefined>(
        db,
        "SELECT payload FROM context_event WHERE context_id = ? AND seq = ?",
        [conversation.contextId, seq],
      ))!;
      expect(stored && JSON.parse(stored), `${what}: seen event ${seq}`).toEqual(event);
    }
    // Resume exactly as a client would, after the last event it applied.
    if (conversation.view.lastEventId < now.lastEventId) {
      const stream = await openEvents(
        browser,
        conversation.contextId,
        conversation.view.lastEventId,
      );
      try {
        while (conversation.view.lastEventId < now.lastEventId) {
          const next = await stream.next(60_000);
          if (!next)
            throw new Error(`${what}: the stream ended at ${conversation.view.lastEventId}`);
          conversation.view = applyEvent(
            conversation.view,
            next.id,
            next.data as unknown as ContextEvent,
          );
        }
      } finally {
        stream.close();
      }
    }
    expect(conversation.view.messages, `${what}: resumed view`).toEqual(now.items);
    counts.checks += 1;
  }
}

beforeAll(async () => {
  server = await startServerProcess({ production: false });
  db = openDatabase(server.databasePath);
  const { key } = await createApiKey(db, "crash-suite");
  const { ticket } = await mintStaticTicket(server, key, "tenant:crashes:user:1", {
    expires_in: 86_400,
  });
  browser = new CookieClient(server.url);
  expect((await browser.mutation("session.exchange", { ticket })).status).toBe(200);
});
afterAll(async () => {
  if (db) await closeDatabase(db);
  await server?.stop();
});

it(`keeps every invariant across ${POINTS} SIGKILLs at random points of runs`, async () => {
  const started = Date.now();
  // Every kind at least three times, in a seeded order.
  const plan: Kind[] = Array.from({ length: POINTS }, (_, i) => KINDS[i % KINDS.length]!);
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }

  for (const [index, kind] of plan.entries()) {
    const point = `point ${index + 1} (${kind})`;
    const busy = new Set<Tracked>();
    // Replies streaming beside the one the kill is aimed at.
    for (let other = between(1, 2); other > 0; other--) {
      const beside = await idleConversation(busy);
      await follow(beside);
      await send(beside, `stream ${between(200, 3000)} words`);
    }
    await prepare(kind, busy);
    await server.stop("SIGKILL");
    counts.kills += 1;
    counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    for (const conversation of busy) {
      conversation.follower?.close();
      await conversation.follower?.done;
      conversation.follower = undefined;
    }
    await server.restart();
    counts.restarts += 1;
    await checkInvariants(point);
  }

  const runs = (await all(
    db,
    "SELECT status, count(*) AS n FROM run GROUP BY status ORDER BY status",
  )) as { status: string; n: number }[];
  recordFigures("crashes", {
    seed: SEED,
    kills: counts.kills,
    byKind: counts.byKind,
    restarts: counts.restarts,
    conversations: tracked.length,
    conversationChecks: counts.checks,
    acknowledgedMessages: tracked.reduce((sum, c) => sum + c.acknowledged.size, 0),
    eventsSeenBeforeKills: tracked.reduce((sum, c) => sum + c.seen.size, 0),
    runsByStatus: Object.fromEntries(runs.map((row) => [row.status, row.n])),
    wallSeconds: Math.round((Date.now() - started) / 1000),
  });
  expect(counts.kills).toBe(POINTS);
});
