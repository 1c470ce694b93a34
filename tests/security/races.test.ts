// Races that must have exactly one winner: two exchanges of one ticket (a ticket works once), and
// two changes that each start or resume a run on one context (one run at a time). First in one
// server process, many rounds at once; then across two server processes sharing one database
// file, where nothing but SQLite's own locking can decide.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { MemoryRateLimiter } from "@agent-access/auth";
import {
  all,
  closeDatabase,
  column,
  createApiKey,
  type Db,
  openDatabase,
  value,
} from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentBrowser,
  CookieClient,
  postTicket,
  signUp,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import { until } from "./support/database.ts";
import { recordFigures } from "./support/figures.ts";
import { settled } from "./support/scenes.ts";

/** Session and group quotas too high to meet: rounds in one session are the point here. */
const NO_QUOTAS = {
  runsPerSession: 1e6,
  runsPerGroup: 1e6,
  contextsPerMinutePerSession: 1e6,
  contextsPerMinutePerGroup: 1e6,
  messagesPerMinutePerSession: 1e6,
  messagesPerMinutePerGroup: 1e6,
};

const EXCHANGE_ROUNDS = 1_000;
/** Rounds in flight at once: 2 requests each. Enough to pile up, few enough for one machine. */
const WAVE = 100;
const SEND_ROUNDS = 300;
const RESUME_ROUNDS = 100;
const PROCESS_ROUNDS = 200;

const figures: Record<string, unknown> = {};
const started = Date.now();

interface Minted {
  ticket: string;
  sessionType: "static" | "signin";
}

/** Runs `round(i)` for i in [0, count), `wave` at a time. */
async function inWaves(count: number, wave: number, round: (index: number) => Promise<void>) {
  for (let start = 0; start < count; start += wave) {
    const indexes = Array.from({ length: Math.min(wave, count - start) }, (_, i) => start + i);
    await Promise.all(indexes.map(round));
  }
}

async function ticketRows(db: Db) {
  return (await all(
    db,
    `SELECT t.id, t.consumed_at AS consumedAt, count(s.id) AS sessions
         FROM agent_ticket t LEFT JOIN agent_session s ON s.ticket_id = t.id
        GROUP BY t.id`,
  )) as { id: string; consumedAt: number | null; sessions: number }[];
}

async function runsOf(db: Db, contextId: string) {
  return (await all(db, "SELECT id, status FROM run WHERE context_id = ? ORDER BY started_at", [
    contextId,
  ])) as { id: string; status: string }[];
}

describe("in one process", () => {
  let server: TestServer;
  let apiKey: string;
  let signedIn: string;

  beforeAll(async () => {
    // Every lost race is a failed exchange; the limit on those is not what is tested here, nor
    // are the quotas of a session, which hundreds of rounds in one session would exceed.
    server = await startTestServer({
      exchangeFailures: new MemoryRateLimiter({ capacity: 1e6, refillIntervalMs: 1 }),
      quotas: NO_QUOTAS,
    });
    apiKey = (await createApiKey(server.db, "races")).key;
    const browser = new CookieClient(server.url);
    await signUp(browser);
    signedIn = browser.cookies.get("auth_session")!;
  });
  afterAll(() => server.close());

  it(`lets exactly one of two concurrent exchanges win, ${EXCHANGE_ROUNDS} fresh tickets`, async () => {
    // Minted first, so that the race is only between exchanges. Half are signin tickets: their
    // exchange awaits the sign-in between reading the ticket and consuming it, so both racers
    // get past the first check and only the conditional UPDATE decides.
    const minted: Minted[] = [];
    await inWaves(EXCHANGE_ROUNDS, 20, async (index) => {
      const sessionType = index % 2 === 0 ? "static" : "signin";
      const response = await postTicket(server, apiKey, {
        ticket_type: "agent_access",
        agent_ids: [TEST_AGENT],
        agent_session_identifier: sessionType,
        ...(sessionType === "static" ? { context_group: `workspace:${index}:user:1` } : {}),
      });
      expect(response.status).toBe(201);
      minted[index] = {
        ticket: ((await response.json()) as { ticket: string }).ticket,
        sessionType,
      };
    });

    const outcomes = new Map<string, number>();
    await inWaves(EXCHANGE_ROUNDS, WAVE, async (index) => {
      const { ticket, sessionType } = minted[index]!;
      const racer = () => {
        const client = new CookieClient(server.url);
        if (sessionType === "signin") client.cookies.set("auth_session", signedIn);
        return client;
      };
      const answers = await Promise.all(
        [racer(), racer()].map(async (client) =>
          trpcResult(await client.mutation("session.exchange", { ticket })),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect({ index, statuses }).toEqual({ index, statuses: [200, 401] });
      const loser = answers.find((answer) => answer.status === 401)!;
      expect(loser.error?.message).toBe("ticket already used: ask your app for a new one");
      const key = `${sessionType}:${statuses.join("/")}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    });

    const rows = await ticketRows(server.db);
    expect(rows).toHaveLength(EXCHANGE_ROUNDS);
    expect(rows.filter((row) => row.consumedAt === null || row.sessions !== 1)).toEqual([]);
    figures.exchanges = {
      rounds: EXCHANGE_ROUNDS,
      concurrentRequests: WAVE * 2,
      oneWinnerEach: EXCHANGE_ROUNDS,
      outcomes: Object.fromEntries(outcomes),
    };
  });

  it(`starts exactly one run for two concurrent sends on one context, ${SEND_ROUNDS} rounds`, async () => {
    const group = "workspace:7:user:7";
    const tabs = [await agentBrowser(server, group), await agentBrowser(server, group)];
    let oneRun = 0;
    await inWaves(SEND_ROUNDS, 50, async (index) => {
      const created = await trpcResult<{ context: { id: string } }>(
        await tabs[0]!.mutation("context.create", { title: `race ${index}` }),
      );
      const contextId = created.data!.context.id;
      // The winner's run stops at a tool behind approval, so the context is not idle again by
      // the time a slow loser arrives: whatever the timing, only the claim decides.
      const answers = await Promise.all(
        tabs.map(async (tab, i) =>
          trpcResult<{ messageId: string }>(
            await tab.mutation("context.send", {
              contextId,
              text: `Please retry the failed deliveries (tab ${i})`,
            }),
          ),
        ),
      );
      expect({ index, statuses: answers.map((a) => a.status).sort() }).toEqual({
        index,
        statuses: [200, 409],
      });
      expect(answers.find((a) => a.status === 409)?.error?.code).toBe("CONFLICT");
      await settled(server.db, contextId, "waiting_for_approval");
      const runs = await runsOf(server.db, contextId);
      expect(runs.map((run) => run.status)).toEqual(["waiting_for_approval"]);
      const roles = await column(
        server.db,
        "SELECT role FROM message WHERE context_id = ? ORDER BY seq",
        [contextId],
      );
      expect(roles).toEqual(["user", "assistant"]);
      oneRun += 1;
    });
    expect(oneRun).toBe(SEND_ROUNDS);
    figures.sends = { rounds: SEND_ROUNDS, oneRunEach: oneRun };
  });

  it(`lets one of a send and a regenerate win, ${RESUME_ROUNDS} rounds`, async () => {
    const tab = await agentBrowser(server, "workspace:8:user:8");
    let won = 0;
    await inWaves(RESUME_ROUNDS, 25, async (index) => {
      const created = await trpcResult<{ context: { id: string } }>(
        await tab.mutation("context.create", { firstMessage: `first ${index}` }),
      );
      const contextId = created.data!.context.id;
      await settled(server.db, contextId, "idle");
      const [sent, regenerated] = await Promise.all([
        tab.mutation("context.send", { contextId, text: "second" }).then(trpcResult),
        tab.mutation("context.regenerate", { contextId }).then(trpcResult),
      ]);
      expect([sent.status, regenerated.status].sort()).toEqual([200, 409]);
      await settled(server.db, contextId, "idle");
      // The first turn's run, and exactly one more.
      expect(
        (await runsOf(server.db, contextId)).filter((run) => run.status === "completed"),
      ).toHaveLength(2);
      won += 1;
    });
    figures.sendOrRegenerate = { rounds: RESUME_ROUNDS, oneWinnerEach: won };
  });

  it(`lets one of an edit and a send win, ${RESUME_ROUNDS} rounds`, async () => {
    const tab = await agentBrowser(server, "workspace:8:user:9");
    let won = 0;
    await inWaves(RESUME_ROUNDS, 25, async (index) => {
      const created = await trpcResult<{
        context: { id: string };
        sent: { messageId: string };
      }>(await tab.mutation("context.create", { firstMessage: `first ${index}` }));
      const { context, sent: first } = created.data!;
      await settled(server.db, context.id, "idle");
      const [sent, edited] = await Promise.all([
        tab.mutation("context.send", { contextId: context.id, text: "second" }).then(trpcResult),
        tab
          .mutation("context.editMessage", {
            contextId: context.id,
            messageId: first.messageId,
            text: `first ${index}, edited`,
          })
          .then(trpcResult),
      ]);
      expect([sent.status, edited.status].sort()).toEqual([200, 409]);
      await settled(server.db, context.id, "idle");
      const texts = await all<{ role: string; parts: string }>(
        server.db,
        "SELECT role, parts FROM message WHERE context_id = ? ORDER BY seq",
        [context.id],
      );
      // Either the send's turn follows the first, or the edit replaced the first: never both.
      expect(texts.map((row) => row.role)).toEqual(
        sent.status === 200 ? ["user", "assistant", "user", "assistant"] : ["user", "assistant"],
      );
      expect(texts[0]!.parts).toContain(sent.status === 200 ? `first ${index}"` : "edited");
      won += 1;
    });
    figures.sendOrEdit = { rounds: RESUME_ROUNDS, oneWinnerEach: won };
  });

  it(`leaves no run going on a context deleted while a send races it, ${RESUME_ROUNDS} rounds`, async () => {
    // Replies of 5000 words at 2 ms a word: a run the send starts cannot complete on its own
    // before the deletion must stop it, so "completed" can only be the finished first turn's.
    const slow = await startTestServer({ tokenDelayMs: 2, quotas: NO_QUOTAS });
    try {
      const tab = await agentBrowser(slow, "workspace:10:user:10");
      let clean = 0;
      const outcomes: Record<number, number> = {};
      await inWaves(RESUME_ROUNDS, 25, async () => {
        const created = await trpcResult<{ context: { id: string } }>(
          await tab.mutation("context.create", { firstMessage: "How healthy are my webhooks?" }),
        );
        const contextId = created.data!.context.id;
        await settled(slow.db, contextId, "idle");
        const [sent, deleted] = await Promise.all([
          tab.mutation("context.send", { contextId, text: "stream 5000 words" }).then(trpcResult),
          tab.mutation("context.delete", { contextId }).then(trpcResult),
        ]);
        expect(deleted.status).toBe(200);
        // The send wins the idle context, and the deletion then cancels its run; or it finds
        // the context deleted.
        expect([200, 404]).toContain(sent.status);
        outcomes[sent.status] = (outcomes[sent.status] ?? 0) + 1;
        await until(`runs of ${contextId} to end`, async () =>
          (await runsOf(slow.db, contextId)).every((run) => run.status !== "running")
            ? true
            : undefined,
        );
        const statuses = (await runsOf(slow.db, contextId)).map((run) => run.status);
        expect(statuses.sort()).toEqual(
          sent.status === 200 ? ["cancelled", "completed"] : ["completed"],
        );
        expect((await trpcResult(await tab.query("context.get", { contextId }))).status).toBe(404);
        clean += 1;
      });
      figures.deleteDuringSend = { rounds: RESUME_ROUNDS, noRunLeft: clean, sendAnswers: outcomes };
    } finally {
      await slow.close();
    }
  });

  it(`resumes a waiting run once for two concurrent answers, ${RESUME_ROUNDS} rounds each`, async () => {
    const tabs = [
      await agentBrowser(server, "workspace:9:user:9"),
      await agentBrowser(server, "workspace:9:user:9"),
    ];
    interface Scene {
      name: string;
      text: string;
      waiting: string;
      /** The states a tool call may take when an answer is applied. */
      answered: string[];
      /** Tab i's answer: the procedure and its input besides the context id. */
      answer(toolCallId: string, i: number): [path: string, input: Record<string, string>];
    }
    const scenes: Scene[] = [
      {
        name: "approvals",
        text: "Please retry the failed deliveries",
        waiting: "waiting_for_approval",
        // Allowed: running (then completed or failed); denied: denied.
        answered: ["running", "denied"],
        answer: (toolCallId, i) => [
          "context.respondToApproval",
          { toolCallId, decision: i === 0 ? "allow_once" : "deny" },
        ],
      },
      {
        name: "answers",
        text: "Ask me a question",
        waiting: "waiting_for_input",
        answered: ["completed"],
        answer: (toolCallId, i) => [
          "context.submitInput",
          { toolCallId, value: `answer from tab ${i}` },
        ],
      },
    ];
    for (const scene of scenes) {
      let resumedOnce = 0;
      await inWaves(RESUME_ROUNDS, 25, async (index) => {
        const created = await trpcResult<{ context: { id: string }; sent: { runId: string } }>(
          await tabs[0]!.mutation("context.create", { firstMessage: scene.text }),
        );
        const contextId = created.data!.context.id;
        await settled(server.db, contextId, scene.waiting);
        const parts = JSON.parse(
          (await value<string>(server.db, "SELECT parts FROM message WHERE run_id = ?", [
            created.data!.sent.runId,
          ]))!,
        ) as { toolCallId?: string }[];
        const toolCallId = parts.find((part) => part.toolCallId)!.toolCallId!;
        const answers = await Promise.all(
          tabs.map(async (tab, i) => {
            const [path, body] = scene.answer(toolCallId, i);
            return trpcResult(await tab.mutation(path, { contextId, ...body }));
          }),
        );
        expect({ index, statuses: answers.map((a) => a.status).sort() }).toEqual({
          index,
          statuses: [200, 409],
        });
        await settled(server.db, contextId, "idle");
        // One answer was applied: after the wait, the tool call left its awaiting state once.
        const states = await column<string>(
          server.db,
          `SELECT json_extract(payload, '$.part.state') FROM context_event
              WHERE context_id = ? AND type = 'message.part'
                AND json_extract(payload, '$.part.toolCallId') = ?
                AND seq > (SELECT max(seq) FROM context_event
                            WHERE context_id = ? AND type = 'run.waiting')
              ORDER BY seq`,
          [contextId, toolCallId, contextId],
        );
        expect(states.filter((state) => scene.answered.includes(state))).toHaveLength(1);
        expect((await runsOf(server.db, contextId)).map((run) => run.status)).toEqual([
          "completed",
        ]);
        resumedOnce += 1;
      });
      figures[scene.name] = { rounds: RESUME_ROUNDS, resumedOnce };
    }
  });
});

describe("across two server processes on one database file", () => {
  let first: ServerProcess;
  let second: ServerProcess;
  let db: Db;

  beforeAll(async () => {
    // TRUST_PROXY lets each round name its own client address (X-Forwarded-For), so the lost
    // exchanges, which count as failures, never reach a process's per-address limit.
    first = await startServerProcess({ production: false, env: { TRUST_PROXY: "true" } });
    second = await startServerProcess({
      production: false,
      env: { TRUST_PROXY: "true", DATABASE_PATH: first.databasePath },
    });
    db = openDatabase(first.databasePath);
  });
  afterAll(async () => {
    if (db) await closeDatabase(db);
    await second?.stop();
    await first?.stop();
  });

  it(`lets one exchange win and one send start a run, ${PROCESS_ROUNDS} rounds each`, async () => {
    const { key } = await createApiKey(db, "two-processes");
    const mint = async (index: number) =>
      (await mintStaticTicket(first, key, `tenant:races:user:${index}`)).ticket;
    const tickets = await Promise.all(Array.from({ length: PROCESS_ROUNDS }, (_, i) => mint(i)));

    let exchanges = 0;
    let sends = 0;
    await inWaves(PROCESS_ROUNDS, 25, async (index) => {
      const address = (i: number) => `10.${i}.${index >> 8}.${index & 255}`;
      const racers = [new CookieClient(first.url), new CookieClient(second.url)];
      const answers = await Promise.all(
        racers.map(async (client, i) =>
          trpcResult(
            await client.fetch("/trpc/session.exchange", {
              method: "POST",
              headers: { "content-type": "application/json", "x-forwarded-for": address(i) },
              body: JSON.stringify({ ticket: tickets[index] }),
            }),
          ),
        ),
      );
      expect({ index, statuses: answers.map((a) => a.status).sort() }).toEqual({
        index,
        statuses: [200, 401],
      });
      exchanges += 1;

      // The winner's session, used from both processes at once.
      const winner = racers[answers.findIndex((a) => a.status === 200)]!;
      const tabs = [first.url, second.url].map((url) => {
        const tab = new CookieClient(url);
        tab.cookies.set("agent_session", winner.cookies.get("agent_session")!);
        return tab;
      });
      const created = await trpcResult<{ context: { id: string } }>(
        await tabs[0]!.mutation("context.create", { title: "two processes" }),
      );
      const contextId = created.data!.context.id;
      const sent = await Promise.all(
        tabs.map(async (tab) =>
          trpcResult(await tab.mutation("context.send", { contextId, text: "hello" })),
        ),
      );
      expect({ index, statuses: sent.map((a) => a.status).sort() }).toEqual({
        index,
        statuses: [200, 409],
      });
      await until(`the run of ${contextId} to finish`, async () => {
        const status = await value(db, "SELECT status FROM context WHERE id = ?", [contextId]);
        return status === "idle" ? true : undefined;
      });
      expect((await runsOf(db, contextId)).map((run) => run.status)).toEqual(["completed"]);
      sends += 1;
    });

    const rows = (await ticketRows(db)).filter(
      (row) => row.sessions > 0 || row.consumedAt !== null,
    );
    expect(rows.filter((row) => row.sessions !== 1)).toEqual([]);
    figures.twoProcesses = { exchangeRounds: exchanges, sendRounds: sends };
    recordFigures("races", { ...figures, wallSeconds: Math.round((Date.now() - started) / 1000) });
  });
});
