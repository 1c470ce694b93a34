// Router tests by caller: the framework's router (or an app's, with `app`) over an in-memory
// database with a controlled clock,
// called as the server calls it (a fresh request context per call, cookies in, Set-Cookie out),
// without HTTP. HTTP itself (status lines, the REST door, SSE) is tested in apps/server.
import { createAgentRegistry, createAgentRuntime, createBuiltinModel } from "@agent-access/agents";
import { fixtureMigrations, TEST_AGENT, testAssistant } from "@agent-access/agents/testing";
import { createAuth, createRateLimiter, type RateLimiter } from "@agent-access/auth";
import { closeDatabase, createApiKey, type Db, migrateApp } from "@agent-access/db";
import { openTestDatabase } from "@agent-access/db/testing";
import type { AnyRouter } from "@trpc/server";
import { billingAssistant } from "../../../apps/server/test/agents.ts";
import { keepCookies, sendCookies } from "../../../apps/server/test/cookie-jar.ts";
import { type AppDefinition, createAppRouter, migrateWithApp } from "../src/app-definition.ts";
import { type ApiDependencies, createRequestContext, type RequestContext } from "../src/context.ts";
import { DEFAULT_CONTEXT_GROUP_PATTERN } from "../src/context-groups.ts";
import { createCallerFactory } from "../src/trpc.ts";

type AppRouters = Record<string, AnyRouter>;
/** No app routers: the framework's procedures alone. */
type NoRouters = Record<never, AnyRouter>;
/** The procedures of the framework and of the app's `Routers`. */
export type Caller<Routers extends AppRouters = NoRouters> = ReturnType<
  ReturnType<typeof createAppRouter<Routers>>["createCaller"]
>;

/** One browser: its calls carry its cookies, and what they set is kept. */
export interface TestBrowser<Routers extends AppRouters = NoRouters> {
  /** The router's procedures; every call is one request. */
  caller: Caller<Routers>;
  cookies: Map<string, string>;
  /** The response headers of the latest call (Set-Cookie, Retry-After). */
  readonly headers: Headers;
}

export interface BrowserOptions {
  /** Default "127.0.0.1". Rate limits count per IP. */
  clientIp?: string;
  /** Headers on every request, e.g. `x-agent-session` or `authorization`. */
  headers?: Record<string, string>;
}

/** Response headers whose Set-Cookie lines go straight into `jar`, as a browser's would. */
function jarHeaders(jar: Map<string, string>): Headers {
  const headers = new Headers();
  const append = headers.append.bind(headers);
  (headers as { append: Headers["append"] }).append = (name, value) => {
    append(name, value);
    if (name.toLowerCase() === "set-cookie") {
      keepCookies(jar, { headers: new Headers([["set-cookie", value]]) });
    }
  };
  return headers;
}

export interface TestApi<Routers extends AppRouters = NoRouters> {
  db: Db;
  clock: { now: number; advance(ms: number): void };
  deps: ApiDependencies;
  browser(options?: BrowserOptions): TestBrowser<Routers>;
  /** A backend calling with a new API key (ticket.create). */
  backend(): Promise<Caller<Routers>>;
  /** A browser holding a fresh static agent session for `contextGroup` and `agentIds`. */
  agentBrowser(contextGroup: string, agentIds?: string[]): Promise<TestBrowser<Routers>>;
  close(): Promise<void>;
}

/**
 * The router over a fresh in-memory database; `exchangeFailures` replaces the limit on failed
 * ticket exchanges (default: 10 at once, then one more every 6 s, as the server's). Its agents
 * are the framework's test agent and a second one; with `app`, also the app's agents, routers
 * and migrations (an app's own router tests).
 */
export async function createTestApi<Routers extends AppRouters = NoRouters>(
  options: { exchangeFailures?: RateLimiter; app?: AppDefinition<Routers> } = {},
): Promise<TestApi<Routers>> {
  // Migrated on the dialect of the enclosing describeEachDialect (SQLite in memory outside one).
  const db = await openTestDatabase();
  if (options.app) await migrateWithApp(db, options.app);
  await migrateApp(db, fixtureMigrations);
  const testAgents = createAgentRegistry([
    ...(options.app?.agents ?? []),
    testAssistant,
    billingAssistant,
  ]);
  const clock = {
    now: 1_000_000,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const now = () => clock.now;
  const config = {
    publicUrl: "http://localhost:5173",
    contextGroupPattern: DEFAULT_CONTEXT_GROUP_PATTERN,
  };
  const runtime = createAgentRuntime({
    db,
    agents: testAgents,
    model: createBuiltinModel({ tokenDelayMs: 0 }),
    now,
  });
  const deps: ApiDependencies = {
    db,
    config,
    agents: testAgents,
    runtime,
    now,
    auth: createAuth({ db, publicUrl: config.publicUrl, now }),
    exchangeFailures:
      options.exchangeFailures ??
      createRateLimiter(db, "exchange", { capacity: 10, refillIntervalMs: 6_000 }),
  };
  // The router's type depends on the app's routers; tRPC cannot infer it inside this generic
  // function, so the caller is typed from the outside (Caller<Routers>).
  const createCaller = createCallerFactory(
    createAppRouter(options.app?.routers ?? {}),
  ) as unknown as (context: () => RequestContext) => Caller<Routers>;
  /** The framework's procedures of a caller, which every app's router has. */
  const framework = (caller: Caller<Routers>) => caller as unknown as Caller;

  function browser({
    clientIp = "127.0.0.1",
    headers = {},
  }: BrowserOptions = {}): TestBrowser<Routers> {
    const cookies = new Map<string, string>();
    let latest = new Headers();
    const caller = createCaller(() => {
      const requestHeaders = new Headers(headers);
      sendCookies(cookies, requestHeaders);
      latest = jarHeaders(cookies);
      const req = new Request(`${config.publicUrl}/trpc`, { headers: requestHeaders });
      return createRequestContext(deps, { req, resHeaders: latest, clientIp });
    });
    return {
      caller,
      cookies,
      get headers() {
        return latest;
      },
    };
  }

  async function backend(): Promise<Caller<Routers>> {
    const { key } = await createApiKey(db, "test backend");
    return browser({ headers: { authorization: `Bearer ${key}` } }).caller;
  }

  return {
    db,
    clock,
    deps,
    browser,
    backend,
    async agentBrowser(contextGroup, agentIds = [TEST_AGENT]) {
      const { ticket } = await framework(await backend()).ticket.create({
        ticket_type: "agent_access",
        agent_ids: agentIds,
        agent_session_identifier: "static",
        context_group: contextGroup,
      });
      const agentBrowser = browser();
      await framework(agentBrowser.caller).session.exchange({ ticket });
      return agentBrowser;
    },
    async close() {
      await runtime.close();
      await closeDatabase(db);
    },
  };
}

let userCount = 0;

/** Signs a new user up through auth.signUp; the browser keeps their session cookie. */
export async function signUp(
  browser: TestBrowser,
  user: { email?: string; name?: string; password?: string } = {},
) {
  userCount += 1;
  const input = {
    email: user.email ?? `user${userCount}@example.com`,
    name: user.name ?? `User ${userCount}`,
    password: user.password ?? "a long enough password",
  };
  const { user: created } = await browser.caller.auth.signUp(input);
  return { ...input, id: created.id };
}
