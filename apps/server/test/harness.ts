// Test harness: the real app on a random port over real HTTP, with an in-memory database and a
// controllable clock, plus a browser-like client that keeps cookies and calls the procedures
// through tRPC's typed client.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AgentRuntime,
  type AgentRuntimeOptions,
  type AttachmentOptions,
  createAgentRegistry,
  createAgentRuntime,
  createBuiltinModel,
} from "@agent-access/agents";
import { fixtureMigrations } from "@agent-access/agents/testing";
import {
  AgentLimits,
  type AgentLimitsConfig,
  type ApiConfig,
  type AppDefinition,
  createAppRouter,
  DEFAULT_CONTEXT_GROUP_PATTERN,
  migrateWithApp,
} from "@agent-access/api";
import { all, closeDatabase, createApiKey, type Db, dialectOf, migrateApp } from "@agent-access/db";
import { openTestDatabase } from "@agent-access/db/testing";
import { createTRPCClient, httpLink, type TRPCClient, TRPCClientError } from "@trpc/client";
import { app as appDefinition } from "../src/app.config.ts";
import { type AppOptions, createAppServer } from "../src/app.ts";
import { tuneHttpServer } from "../src/http-server.ts";
import type { AppRouter } from "../src/router.ts";
import {
  recordWebhookEvents,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from "../src/webhooks/index.ts";
import { TEST_AGENT, testAgents } from "./agents.ts";
import { keepCookies, sendCookies } from "./cookie-jar.ts";
import { decodeText, SseParser } from "./sse.ts";
import { type MintedTicket, mintStaticTicket, postTicket } from "./tickets.ts";

export { keepCookies, mintStaticTicket, postTicket, sendCookies };

export interface TestServer {
  url: string;
  /**
   * The Hono app behind `url`, every route through it (event streams, queries and mutations
   * through tRPC's fetch adapter too, where `url`'s server answers them on node:http): for tests
   * that compare both.
   */
  app: ReturnType<typeof createAppServer>["app"];
  /** The server's own event streams (event-streams.ts): how many are open. */
  openStreams(): number;
  /** Queries and mutations the server answered on node:http (trpc-direct.ts) so far. */
  directCalls(): number;
  db: Db;
  runtime: AgentRuntime;
  /** The webhook dispatcher, when the options asked for one. */
  webhooks: WebhookDispatcher | null;
  clock: { now: number; advance(ms: number): void };
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<AppOptions, "config">> & {
  config?: Partial<ApiConfig>;
  /**
   * Another app definition than app.config.ts's (its agents, routers and migrations), as an
   * app's own tests start its server. Default: app.config.ts, with the test agents.
   */
  app?: AppDefinition;
  /** The model of the runtime. Default: the builtin model. */
  model?: AgentRuntimeOptions["model"];
  /** The builtin model's pause before each word, in ms. Default 0. */
  tokenDelayMs?: number;
  /** The runtime's attachment store and limits. Default: the database, default limits. */
  attachments?: Partial<AttachmentOptions>;
  /** Quotas of agent sessions and context groups. Default DEFAULT_AGENT_LIMITS. */
  quotas?: Partial<AgentLimitsConfig>;
  /** Start a webhook dispatcher with these options (its clock is real). Default none. */
  webhooks?: Omit<WebhookDispatcherOptions, "db">;
};

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  // Default: on the dialect of the enclosing describeEachDialect (SQLite in memory outside one).
  const db = options.db ?? (await openTestDatabase({ migrate: false }));
  const definition = options.app ?? appDefinition;
  await migrateWithApp(db, definition);
  await migrateApp(db, fixtureMigrations);
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  let url = "";
  const now = () => clock.now;
  const agents =
    options.agents ?? (options.app ? createAgentRegistry(definition.agents) : testAgents);
  const webhooks = options.webhooks
    ? new WebhookDispatcher({ db, ...options.webhooks }).start()
    : null;
  const runtime =
    options.runtime ??
    createAgentRuntime({
      db,
      agents,
      model: options.model ?? createBuiltinModel({ tokenDelayMs: options.tokenDelayMs ?? 0 }),
      now,
      attachments: options.attachments,
      onCommit: recordWebhookEvents({ now, onQueued: () => webhooks?.wake() }),
    });
  const { app, listener, subscriptions, calls } = createAppServer({
    db,
    attachmentMaxFileBytes: options.attachments?.maxFileBytes,
    now,
    onInternalError: () => {},
    limits: new AgentLimits(db, options.quotas),
    ...options,
    ...(options.app ? { router: createAppRouter(options.app.routers) } : {}),
    agents,
    runtime,
    config: {
      publicUrl: "http://localhost",
      contextGroupPattern: definition.contextGroups?.pattern ?? DEFAULT_CONTEXT_GROUP_PATTERN,
      contextGroupDescription: definition.contextGroups?.description,
      ...options.config,
    },
  });
  const server = createServer(listener);
  tuneHttpServer(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    openStreams: () => subscriptions.size(),
    directCalls: () => calls.answered(),
    db,
    runtime,
    webhooks,
    clock,
    close: async () => {
      await runtime.close();
      await webhooks?.close();
      await new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      });
      if (!options.db) await closeDatabase(db);
    },
  };
}

/** The app's procedures, typed: `client.trpc.session.exchange.mutate({ ticket })`. */
export type TypedClient = TRPCClient<AppRouter>;

/**
 * A browser: fetch with a cookie jar (Set-Cookie answers are kept and sent back) and an Origin,
 * and the app's procedures over it through the typed tRPC client, one HTTP request per call.
 */
export class CookieClient {
  /** Every procedure of the app, typed; a renamed procedure breaks the test at compile time. */
  readonly trpc: TypedClient;

  /**
   * `cookies` may be another client's jar: one browser reaching several server instances (the
   * multi-instance suite) is one jar shared by a client per instance.
   */
  constructor(
    readonly baseUrl: string,
    readonly origin = baseUrl,
    readonly cookies = new Map<string, string>(),
  ) {
    this.trpc = this.trpcWith({});
  }

  /** The typed procedures with `headers` on every call, e.g. a page's `x-agent-session`. */
  trpcWith(headers: Record<string, string>): TypedClient {
    return createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url: new URL("/trpc", this.baseUrl).href,
          headers,
          fetch: (url, init) => this.fetch(String(url), init as RequestInit),
        }),
      ],
    });
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    sendCookies(this.cookies, headers);
    if (!headers.has("origin")) headers.set("origin", this.origin);
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    keepCookies(this.cookies, response);
    return response;
  }

  /**
   * Calls a tRPC query over GET by its path. For tests whose point is the wire or that enumerate
   * procedures (the security suite); everything else goes through `trpc`.
   */
  query(procedure: string, input?: unknown): Promise<Response> {
    const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.fetch(`/trpc/${procedure}${search}`);
  }

  /** Calls a tRPC mutation over POST with a JSON body by its path; see `query`. */
  mutation(procedure: string, input?: unknown): Promise<Response> {
    return this.fetch(`/trpc/${procedure}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: input === undefined ? undefined : JSON.stringify(input),
    });
  }
}

/** What a refused typed call answered. */
export interface Refusal {
  /** The HTTP status. */
  status: number;
  /** The tRPC error code, e.g. "NOT_FOUND". */
  code: string;
  message: string;
  /** zod's flattened errors of a refused input, or null. */
  zodError: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null;
  /** The response's headers (Retry-After, Set-Cookie). */
  headers: Headers;
}

/** What a typed call's error says; anything but a tRPC refusal is thrown on. */
function refusalOf(error: unknown): Refusal {
  if (!(error instanceof TRPCClientError)) throw error;
  const { data: shape, message, meta } = error as TRPCClientError<AppRouter>;
  if (!shape) throw error;
  return {
    status: shape.httpStatus,
    code: shape.code,
    message,
    zodError: shape.zodError,
    headers: (meta?.response as Response | undefined)?.headers ?? new Headers(),
  };
}

/** The refusal of a typed call; fails the test if the call succeeded or failed otherwise. */
export async function refusal(call: Promise<unknown>): Promise<Refusal> {
  let data: unknown;
  try {
    data = await call;
  } catch (error) {
    return refusalOf(error);
  }
  throw new Error(`expected a refusal, got ${JSON.stringify(data)}`);
}

/** How a typed call ended: its data, or the HTTP status, code and message of its refusal. */
export type Outcome<T> =
  | { status: 200; data: T; error?: undefined }
  | { status: number; data?: undefined; error: { code: string; message: string } };

/** The outcome of a typed call, for tests that compare successes and refusals side by side. */
export async function outcome<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { status: 200, data: await call };
  } catch (error) {
    const { status, code, message } = refusalOf(error);
    return { status, error: { code, message } };
  }
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string;
}

let userCount = 0;

/** Signs a new user up through the API; `client` keeps their session cookie. */
export async function signUp(
  client: CookieClient,
  user: Partial<TestUser> = {},
): Promise<TestUser> {
  userCount += 1;
  const input = {
    email: user.email ?? `user${userCount}@example.com`,
    name: user.name ?? `User ${userCount}`,
    password: user.password ?? "a long enough password",
  };
  const { user: created } = await client.trpc.auth.signUp.mutate(input);
  return { ...input, id: created.id };
}

/** The names of the database's tables (SQLite's catalogue, or PostgreSQL's current schema). */
export async function tableNames(db: Db): Promise<string[]> {
  const rows = await all<{ name: string }>(
    db,
    dialectOf(db) === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

/** Everything the database holds, as one string: for asserting that no secret is stored raw. */
export async function dumpDatabase(db: Db): Promise<string> {
  const dumps: string[] = [];
  // Rows in a fixed order: PostgreSQL returns a table in its physical order, which an UPDATE
  // changes (the new row version goes elsewhere), so an unchanged table could read differently.
  for (const name of await tableNames(db)) {
    const rows = await all(db, `SELECT * FROM "${name}"`);
    dumps.push(
      `[${rows
        .map((row) => JSON.stringify(row))
        .sort()
        .join(",")}]`,
    );
  }
  return dumps.join("\n");
}

/** A fresh static ticket for `contextGroup`, minted over REST with a new API key. */
export async function staticTicket(
  server: TestServer,
  contextGroup = "workspace:1:user:1",
  extra: Record<string, unknown> = {},
): Promise<MintedTicket> {
  const { key } = await createApiKey(server.db, "test");
  return mintStaticTicket(server, key, contextGroup, extra);
}

/**
 * The tRPC answer of a raw response: its data, or its error's code and message. For the raw
 * calls of `CookieClient.query` and `mutation`.
 */
export async function trpcResult<T = unknown>(
  response: Response,
): Promise<{ status: number; data?: T; error?: { code: string; message: string } }> {
  const body = (await response.json()) as {
    result?: { data: T };
    error?: { message: string; data: { code: string } };
  };
  return {
    status: response.status,
    ...(body.result ? { data: body.result.data } : {}),
    ...(body.error ? { error: { code: body.error.data.code, message: body.error.message } } : {}),
  };
}

export interface StreamedEvent {
  /** The event's sequence number (the SSE id). */
  id: number;
  data: { type: string; [key: string]: unknown };
}

/**
 * A context's event stream over SSE, as a browser's EventSource would read it. `next()` gives
 * the next event (or null when the stream ends); `close()` drops the connection.
 */
export async function openEvents(
  client: CookieClient,
  contextId: string,
  lastEventId?: number,
): Promise<{
  status: number;
  next(timeoutMs?: number): Promise<StreamedEvent | null>;
  until(type: string, timeoutMs?: number): Promise<StreamedEvent[]>;
  close(): void;
}> {
  const input = {
    contextId,
    ...(lastEventId === undefined ? {} : { lastEventId: String(lastEventId) }),
  };
  const controller = new AbortController();
  const response = await client.fetch(
    `/trpc/context.events?input=${encodeURIComponent(JSON.stringify(input))}`,
    { signal: controller.signal, headers: { accept: "text/event-stream" } },
  );
  const reader = decodeText(response.body!);
  const parser = new SseParser();
  const queue: StreamedEvent[] = [];
  let ended = false;

  async function fill(): Promise<void> {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      return;
    }
    for (const message of parser.push(value)) {
      // Only tracked events carry an id; "connected", pings and the like do not.
      if (message.id !== null && message.data !== "") {
        queue.push({ id: Number(message.id), data: JSON.parse(message.data) });
      } else if (message.event === "serialized-error") {
        throw new Error(`stream error: ${message.data}`);
      }
    }
  }

  async function next(timeoutMs = 10_000): Promise<StreamedEvent | null> {
    const deadline = Date.now() + timeoutMs;
    while (queue.length === 0 && !ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no event within the time allowed");
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("no event within the time allowed")), left);
      });
      try {
        await Promise.race([fill(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    return queue.shift() ?? null;
  }

  return {
    status: response.status,
    next,
    async until(type, timeoutMs = 20_000) {
      const seen: StreamedEvent[] = [];
      for (;;) {
        const event = await next(timeoutMs);
        if (!event) return seen;
        seen.push(event);
        if (event.data.type === type) return seen;
      }
    },
    close: () => controller.abort(),
  };
}

/** A browser holding a fresh agent session for `contextGroup` and `agentIds`. */
export async function agentBrowser(
  server: TestServer,
  contextGroup: string,
  agentIds: string[] = [TEST_AGENT],
): Promise<CookieClient> {
  const minted = await staticTicket(server, contextGroup, { agent_ids: agentIds });
  const browser = new CookieClient(server.url);
  await browser.trpc.session.exchange.mutate({ ticket: minted.ticket });
  return browser;
}

/**
 * A browser signed up as a new user and holding a signin session for `agentIds` (its group
 * follows the user), with the session's id. Sign-ups are limited per IP: a test making many
 * advances the server's clock between them.
 */
export async function signinBrowser(
  server: TestServer,
  agentIds: string[] = [TEST_AGENT],
): Promise<{ browser: CookieClient; sessionId: string }> {
  const browser = new CookieClient(server.url);
  await signUp(browser);
  const { key } = await createApiKey(server.db, "signin session");
  const minted = await postTicket(server, key, {
    ticket_type: "agent_access",
    agent_ids: agentIds,
    agent_session_identifier: "signin",
  });
  if (minted.status !== 201) throw new Error(`mint failed: ${await minted.text()}`);
  const { ticket } = (await minted.json()) as { ticket: string };
  const { sessionId } = await browser.trpc.session.exchange.mutate({ ticket });
  return { browser, sessionId };
}

/** A file for an upload: its name, bytes and the type the browser claims ("" for none). */
export interface TestFile {
  name: string;
  bytes: Uint8Array;
  type?: string;
}

/** POSTs files to the upload route as the hooks do: multipart, with the page's binding. */
export function uploadFiles(
  browser: CookieClient,
  contextId: string,
  files: readonly TestFile[],
  headers: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  form.set("contextId", contextId);
  for (const file of files) {
    form.append(
      "file",
      new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.type ?? "" }),
      file.name,
    );
  }
  return browser.fetch("/attachments", { method: "POST", body: form, headers });
}
