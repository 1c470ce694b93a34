// 5. History at scale: context.list and context.messages pages through the router's caller, on a
// database of many contexts and messages, against the very statements they run, called bare.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createAgentRegistry, createAgentRuntime, createBuiltinModel } from "@agent-access/agents";
import { TEST_AGENT, testAssistant } from "@agent-access/agents/testing";
import {
  appRouter,
  createCallerFactory,
  createRequestContext,
  DEFAULT_CONTEXT_GROUP_PATTERN,
} from "@agent-access/api";
import { createAuth, MemoryRateLimiter } from "@agent-access/auth";
import {
  closeDatabase,
  consumeTicket,
  type Db,
  insertAgentSession,
  insertTicket,
  listContexts,
  messagePage,
  migrate,
  observeQueries,
  openDatabase,
  openPostgres,
  sqliteOf,
} from "@agent-access/db";
import pg from "pg";
import {
  type BenchOptions,
  compared,
  named,
  percentile,
  type Row,
  type Section,
  single,
} from "./report.ts";

const BENCHMARK = "5. history at scale";
const AGENT = TEST_AGENT;
const agents = createAgentRegistry([testAssistant]);
const GROUP = "workspace:1:user:1";
/** Contexts in the measured group, and messages in the measured context. */
const GROUP_CONTEXTS = 1_000;
const CONTEXT_MESSAGES = 1_000;

interface Scale {
  contexts: number;
  messages: number;
}

interface Generated {
  /** The measured context (in GROUP, with CONTEXT_MESSAGES messages). */
  contextId: string;
  /** Message ids of the measured context by seq (index 0 is seq 1). */
  messageIds: string[];
}

function ids(prefix: string, count: number): string[] {
  const bytes = randomBytes(16 * count);
  return Array.from(
    { length: count },
    (_, i) => `${prefix}_${bytes.subarray(i * 16, i * 16 + 16).toString("base64url")}`,
  );
}

/** Where the generated rows go: SQLite writes each at once, PostgreSQL in batches. */
interface Loader {
  context(row: unknown[]): void;
  message(row: unknown[]): void;
  /** Writes what is buffered: all of it when `all`, else once a batch is full. */
  flush(all?: boolean): Promise<void>;
}

/** SQLite: prepared statements in the one transaction `generate` runs in. */
function sqliteLoader(db: Db): Loader {
  const sqlite = sqliteOf(db)!;
  const insertContext = sqlite.prepare(
    `INSERT INTO context (id, context_group, agent_id, title, status, last_seq, created_at,
       updated_at, last_activity_at, deleted_at) VALUES (?, ?, ?, ?, 'idle', ?, ?, ?, ?, ?)`,
  );
  const insertMessage = sqlite.prepare(
    `INSERT INTO message (id, context_id, seq, role, parts, run_id, created_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?)`,
  );
  return {
    context: (row) => insertContext.run(...row),
    message: (row) => insertMessage.run(...row),
    flush: async () => {},
  };
}

/** PostgreSQL: batches of 10,000 rows, each one INSERT of unnest()ed arrays. */
function postgresLoader(client: pg.Client): Loader {
  const BATCH = 10_000;
  const contexts: unknown[][] = [];
  const messages: unknown[][] = [];
  const columns = (rows: unknown[][], count: number) =>
    Array.from({ length: count }, (_, i) => rows.map((row) => row[i]));
  return {
    context: (row) => contexts.push(row),
    message: (row) => messages.push(row),
    async flush(all = false) {
      if (contexts.length > 0 && (all || contexts.length >= BATCH)) {
        await client.query(
          `INSERT INTO context (id, context_group, agent_id, title, status, last_seq, created_at,
             updated_at, last_activity_at, deleted_at)
           SELECT a, b, c, d, 'idle', e, f, g, h, i FROM unnest($1::text[], $2::text[],
             $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[], $8::bigint[],
             $9::bigint[]) AS t(a, b, c, d, e, f, g, h, i)`,
          columns(contexts.splice(0), 9),
        );
      }
      if (messages.length > 0 && (all || messages.length >= BATCH)) {
        await client.query(
          `INSERT INTO message (id, context_id, seq, role, parts, run_id, created_at)
           SELECT a, b, c, d, e, NULL, f FROM unnest($1::text[], $2::text[], $3::int[],
             $4::text[], $5::text[], $6::bigint[]) AS t(a, b, c, d, e, f)`,
          columns(messages.splice(0), 6),
        );
      }
    },
  };
}

/**
 * Fills the database directly: GROUP holds GROUP_CONTEXTS contexts, the rest sit in groups of
 * 100; the first context of GROUP gets CONTEXT_MESSAGES messages and the others share the rest.
 * Messages are written round-robin across contexts, as conversations interleave in time, so a
 * context's messages are spread over the table as they would be in a live database.
 */
async function generate(load: Loader, scale: Scale): Promise<Generated> {
  const start = Date.now() - scale.messages * 1000;
  const contextIds = ids("ctx", scale.contexts);
  const counts = new Array<number>(scale.contexts).fill(0);
  counts[0] = CONTEXT_MESSAGES;
  const rest = scale.messages - CONTEXT_MESSAGES;
  for (let i = 1; i < scale.contexts; i++) {
    counts[i] =
      Math.floor(rest / (scale.contexts - 1)) + (i <= rest % (scale.contexts - 1) ? 1 : 0);
  }
  const text =
    "Here is what I found about the webhooks of this workspace: two endpoints, one of them failing since this morning with timeouts.";
  const measured: string[] = [];
  for (const [i, id] of contextIds.entries()) {
    const group = i < GROUP_CONTEXTS ? GROUP : `workspace:${2 + Math.floor(i / 100)}:user:1`;
    // Activity spread over time; the measured context is not the newest, so pages are real.
    const activity = start + ((i * 7919) % scale.contexts) * 1000;
    const deleted = i % 100 === 99 ? activity : null;
    load.context([
      id,
      group,
      AGENT,
      `Conversation ${i}`,
      counts[i]! * 2,
      activity,
      activity,
      activity,
      deleted,
    ]);
    await load.flush();
  }
  await load.flush(true);
  let written = 0;
  let due = contextIds.map((_, i) => i);
  for (let seq = 1; written < scale.messages; seq++) {
    due = due.filter((i) => seq <= counts[i]!);
    const batch = ids("msg", due.length);
    const role = seq % 2 === 1 ? "user" : "assistant";
    const parts = JSON.stringify([{ type: "text", text: `${text} (${seq})` }]);
    for (const [n, i] of due.entries()) {
      load.message([batch[n]!, contextIds[i]!, seq, role, parts, start + written]);
      if (i === 0) measured.push(batch[n]!);
      written++;
      await load.flush();
    }
  }
  await load.flush(true);
  return { contextId: contextIds[0]!, messageIds: measured };
}

/** An agent session for GROUP, as an exchanged ticket leaves it; returns its cookie token. */
async function agentSessionToken(db: Db): Promise<string> {
  const now = Date.now();
  const ticket = `aat_bench_${randomBytes(16).toString("hex")}`;
  const token = `aas_bench_${randomBytes(16).toString("hex")}`;
  await insertTicket(
    db,
    {
      token: ticket,
      agentIds: [AGENT],
      sessionType: "static",
      contextGroup: GROUP,
      issuer: "bench",
      expiresAt: now + 3_600_000,
    },
    now,
  );
  await insertAgentSession(
    db,
    { token, ticket: (await consumeTicket(db, ticket, now))!, userId: null, signInId: null },
    now,
  );
  return token;
}

/** The statement `run` executes, as the db package compiles it for its dialect, with its values. */
async function capturedBy(
  db: Db,
  run: () => Promise<unknown>,
): Promise<{ sql: string; parameters: unknown[] }> {
  const captured: { sql: string; parameters: unknown[] }[] = [];
  const stop = observeQueries(db, (query) => {
    captured.push({ sql: query.sql, parameters: [...query.parameters] });
  });
  try {
    await run();
  } finally {
    stop();
  }
  // The statement that reads the rows: a page of messages is read after the context's row, in
  // the same read transaction (messagePage).
  return captured.find((query) => query.sql.includes("FROM message m")) ?? captured[0]!;
}

/**
 * Per-call times in µs of two calls over `ms` each, in alternating slices of 20 ms (so that a
 * busy moment of the machine falls on both), after a short warm-up of each.
 */
async function timePair(
  subject: () => unknown,
  bare: () => unknown,
  ms: number,
): Promise<[number[], number[]]> {
  const samples: [number[], number[]] = [[], []];
  const calls = [subject, bare];
  for (const call of calls) {
    const warmUntil = performance.now() + ms / 5;
    while (performance.now() < warmUntil) await call();
  }
  const until = performance.now() + 2 * ms;
  for (let turn = 0; performance.now() < until; turn = 1 - turn) {
    const call = calls[turn]!;
    const sliceEnd = performance.now() + 20;
    while (performance.now() < sliceEnd) {
      const start = performance.now();
      await call();
      samples[turn]!.push((performance.now() - start) * 1000);
    }
  }
  return samples;
}

export async function history(options: BenchOptions): Promise<Section> {
  const scale: Scale = options.quick
    ? { contexts: 10_000, messages: 100_000 }
    : { contexts: 100_000, messages: 1_000_000 };
  const NAME = named(BENCHMARK, options);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-access-bench-history-"));
  const file = path.join(dir, "history.db");
  const postgresUrl = await options.database();
  /** PostgreSQL: one connection of its own for the bare statements and the plans. */
  let bareClient: pg.Client | null = null;
  try {
    const setup = postgresUrl ? openPostgres(postgresUrl) : openDatabase(file);
    await migrate(setup);
    const generatedAt = performance.now();
    let generated: Generated;
    let size: string;
    if (postgresUrl) {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      try {
        await client.query("BEGIN");
        generated = await generate(postgresLoader(client), scale);
        await client.query("COMMIT");
        // What autovacuum would have done by now in a live database: statistics for the
        // planner and the visibility map for index-only scans.
        await client.query("VACUUM ANALYZE context, message");
        const bytes = await client.query<{ bytes: number }>(
          "SELECT pg_database_size(current_database())::int AS bytes",
        );
        size = `${(bytes.rows[0]!.bytes / 1024 ** 2).toFixed(0)} MB`;
      } finally {
        await client.end();
      }
    } else {
      // Bulk load only: a large page cache, and no foreign key look-up per row (the rows are
      // consistent by construction). The measured connection below has the server's settings.
      const sqlite = sqliteOf(setup)!;
      sqlite.pragma("cache_size = -524288");
      sqlite.pragma("foreign_keys = OFF");
      sqlite.exec("BEGIN");
      generated = await generate(sqliteLoader(setup), scale);
      sqlite.exec("COMMIT");
      sqlite.pragma("optimize");
    }
    const token = await agentSessionToken(setup);
    await closeDatabase(setup);
    const generateSeconds = (performance.now() - generatedAt) / 1000;
    if (!postgresUrl) size = `${(fs.statSync(file).size / 1024 ** 2).toFixed(0)} MB`;
    options.log(
      `  generated ${scale.contexts} contexts, ${scale.messages} messages in ${generateSeconds.toFixed(1)} s (${size!})`,
    );

    // A fresh connection (pool), as a server has: the statement cache starts empty.
    const db = postgresUrl ? openPostgres(postgresUrl) : openDatabase(file);
    const runtime = createAgentRuntime({
      db,
      agents,
      model: createBuiltinModel({ tokenDelayMs: 0 }),
    });
    const deps = {
      db,
      config: {
        publicUrl: "http://127.0.0.1",
        contextGroupPattern: DEFAULT_CONTEXT_GROUP_PATTERN,
      },
      agents,
      runtime,
      auth: createAuth({ db, publicUrl: "http://127.0.0.1" }),
      exchangeFailures: new MemoryRateLimiter({ capacity: 10, refillIntervalMs: 6_000 }),
    };
    const req = new Request("http://127.0.0.1/trpc", {
      headers: { cookie: `agent_session=${token}` },
    });
    const createCaller = createCallerFactory(appRouter);
    // A request context per call, as the server makes one per request: what a request looks up
    // once (its agent session) is looked up by every call.
    const callerOf = () =>
      createCaller(createRequestContext(deps, { req, resHeaders: new Headers() }));
    const caller = {
      context: {
        list: (input: Parameters<ReturnType<typeof callerOf>["context"]["list"]>[0]) =>
          callerOf().context.list(input),
        messages: (input: Parameters<ReturnType<typeof callerOf>["context"]["messages"]>[0]) =>
          callerOf().context.messages(input),
      },
    };
    const scope = { contextGroup: GROUP, agentIds: [AGENT] };

    // A cursor about 900 contexts deep, reached by paging as a client would.
    let cursor: string | null = null;
    let deepRow = { lastActivityAt: 0, id: "" };
    for (let page = 0; page < 45; page++) {
      const result: { items: { id: string; lastActivityAt: number }[]; nextCursor: string | null } =
        await caller.context.list({ limit: 20, cursor });
      cursor = result.nextCursor;
      const last = result.items.at(-1)!;
      deepRow = { lastActivityAt: last.lastActivityAt, id: last.id };
    }
    const deepMessage = generated.messageIds[99]!; // seq 100: 900 newer messages above it

    // The statements behind each page (first and later pages differ), as the db package runs
    // them, with the values the procedures pass; run bare on the same connection.
    const listFirst = await capturedBy(
      db,
      async () => await listContexts(db, scope, { limit: 21 }),
    );
    const listAfter = await capturedBy(
      db,
      async () => await listContexts(db, scope, { limit: 21, after: deepRow }),
    );
    const newest = await capturedBy(
      db,
      async () => await messagePage(db, generated.contextId, { scope, limit: 51 }),
    );
    const before = await capturedBy(
      db,
      async () =>
        await messagePage(db, generated.contextId, { scope, limit: 51, before: deepMessage }),
    );
    type Statement = { sql: string; parameters: unknown[] };
    let bare: (statement: Statement) => () => unknown;
    let explain: (statement: Statement) => Promise<string[]>;
    if (postgresUrl) {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      bareClient = client;
      // The same protocol as the pool's queries: a named statement, parsed once on the
      // connection (the db package's default; see `preparing` there).
      let statements = 0;
      bare = (statement) => {
        const name = `bare_${++statements}`;
        return () => client.query({ name, text: statement.sql, values: statement.parameters });
      };
      explain = async ({ sql, parameters }) =>
        (await client.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, parameters)).rows.map(
          (row) => row["QUERY PLAN"],
        );
    } else {
      const sqlite = sqliteOf(db)!;
      bare = (statement) => {
        const prepared = sqlite.prepare(statement.sql);
        return () => prepared.all(...statement.parameters);
      };
      explain = async ({ sql, parameters }) =>
        (
          sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[]
        ).map((row) => row.detail);
    }
    const bareListFirst = bare(listFirst);
    const bareListAfter = bare(listAfter);
    const bareNewest = bare(newest);
    const bareBefore = bare(before);

    const ms = options.quick ? 300 : 1500;
    const cases = [
      {
        metric: "context.list, first page of 20 (µs)",
        subject: () => caller.context.list({ limit: 20 }),
        bare: bareListFirst,
      },
      {
        metric: "context.list, page 46 of 20 (µs)",
        subject: () => caller.context.list({ limit: 20, cursor }),
        bare: bareListAfter,
      },
      {
        metric: "context.messages, newest 50 (µs)",
        subject: () => caller.context.messages({ contextId: generated.contextId, limit: 50 }),
        bare: bareNewest,
      },
      {
        metric: "context.messages, 50 before seq 100 (µs)",
        subject: () =>
          caller.context.messages({
            contextId: generated.contextId,
            limit: 50,
            before: deepMessage,
          }),
        bare: bareBefore,
      },
    ];
    // Every call of every case 2,000 times before any is measured: otherwise the first case
    // measured also pays for warming up (the JIT, the heap after the bulk load) the code that the
    // others share, and reads slower than a later case running the same code.
    for (const { subject, bare } of cases) {
      for (let i = 0; i < 2000; i++) {
        await subject();
        await bare();
      }
    }
    const rows: Row[] = [];
    for (const { metric, subject, bare } of cases) {
      const [subjectTimes, bareTimes] = await timePair(subject, bare, ms);
      rows.push(
        compared(NAME, metric, percentile(subjectTimes, 50), percentile(bareTimes, 50), {
          text: "<= 2x bare statement",
          met: (ratio) => ratio <= 2,
        }),
      );
    }

    const plans: { name: string; sql: string; lines: string[] }[] = [];
    for (const plan of [
      { name: "context.list, first page", ...listFirst },
      { name: "context.list, a later page", ...listAfter },
      { name: "context.messages, newest", ...newest },
      { name: "context.messages, older", ...before },
    ]) {
      // One plan per distinct statement, one at a time (PostgreSQL: one client).
      if (plans.some((other) => other.sql === plan.sql)) continue;
      plans.push({ ...plan, lines: await explain(plan) });
    }
    // No full scan of either table and no sort step: SQLite's SCAN and TEMP B-TREE, PostgreSQL's
    // Seq Scan and Sort nodes.
    const usesIndexes = plans.every(({ lines }) =>
      lines.every(
        (line) =>
          !/^SCAN (context|message)\b/.test(line) &&
          !line.includes("TEMP B-TREE") &&
          !/Seq Scan on (context|message)\b/.test(line) &&
          !/(^|->)\s*(Incremental )?Sort\b/.test(line.trim()),
      ),
    );
    rows.push(
      single(
        NAME,
        "query plans search an index (no table scan, no sort)",
        usesIndexes ? "yes" : "no",
        {
          text: "uses an index",
          met: usesIndexes,
        },
      ),
    );
    await runtime.close();
    await closeDatabase(db);
    const engine = postgresUrl ? "PostgreSQL schema" : "WAL database file";

    return {
      title: NAME,
      rows,
      notes: [
        `${scale.contexts.toLocaleString("en-US")} contexts and ${scale.messages.toLocaleString("en-US")} ` +
          `messages${options.quick ? " (--quick: a tenth of the full scale)" : ""}, written straight ` +
          `into a temporary ${engine} (${size!}) ${postgresUrl ? "with INSERTs of 10,000 unnest()ed rows each" : "with prepared statements"} in ` +
          `one transaction${postgresUrl ? ", then VACUUM ANALYZE," : ""} in ${generateSeconds.toFixed(1)} s. The measured group holds ` +
          `${GROUP_CONTEXTS.toLocaleString("en-US")} contexts (1% of them deleted), the others 100 each; the ` +
          `measured context holds ${CONTEXT_MESSAGES.toLocaleString("en-US")} messages, the others share ` +
          "the rest; messages are written round-robin across contexts, so each context's rows " +
          "are spread over the table as in a live database.",
        "Subject: the procedure through createCallerFactory(appRouter) with a real agent session " +
          "cookie, a request context per call as the server makes one per request (zod input, the session look-up, the engine's tenant check, the page query, rows " +
          "to objects, JSON parts parsed). Bare: the page query alone, the exact SQL text the db " +
          "package runs (captured from its executeQuery call) with the same parameters, rows as " +
          (postgresUrl
            ? "they come, on a pg.Client of its own (a named statement, prepared on first use, " +
              "as the pool sends them; the subject also checks a connection out of the pool)."
            : "they come, as a prepared statement on the same connection.") +
          ` p50 of the calls made in ${ms} ms each, in ` +
          "alternating 20 ms slices of subject and bare, after every call of every case ran 2,000 times.",
        ...plans.map(
          ({ name, sql, lines }) =>
            `${postgresUrl ? "EXPLAIN" : "EXPLAIN QUERY PLAN"} of ${name}:\n\n\`\`\`sql\n${sql.replace(/\s+/g, " ").trim()}\n\`\`\`\n\n\`\`\`\n${lines.join("\n")}\n\`\`\``,
        ),
      ],
    };
  } finally {
    await bareClient?.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
