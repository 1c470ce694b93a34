// The browser-facing guards: every mutation refuses a cross-origin request (enumerated from the
// router, each with an input that would otherwise succeed), every cookie the server sets carries
// HttpOnly, SameSite=Lax, Path=/ and (off localhost) Secure, and the sign-in, sign-up and
// exchange limits answer 429 with Retry-After however the attempts are sent, changing nothing.
import { MemoryRateLimiter } from "@agent-access/auth";
import { createApiKey } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CookieClient,
  mintStaticTicket,
  signUp,
  startTestServer,
  staticTicket,
  type TestServer,
  type TestUser,
} from "../../apps/server/test/harness.ts";
import { expectUnchanged, fingerprint, snapshot } from "./support/database.ts";
import { recordFigures } from "./support/figures.ts";
import { type Answer, answerOf } from "./support/http.ts";
import { exampleOf, ownAppData, type Scene, tableProblems } from "./support/procedure-table.ts";
import { acceptsInput, listProcedures } from "./support/procedures.ts";
import { makeTargets, type Target } from "./support/scenes.ts";

const PUBLIC_URL = "https://app.example.com";
const figures: Record<string, unknown> = {};
const procedures = listProcedures();
const mutations = procedures.filter((procedure) => procedure.type === "mutation");

/** Origins a forged request may claim; none is PUBLIC_URL's or the server's own. */
const HOSTILE_ORIGINS = [
  "https://evil.example",
  "null",
  "https://app.example.com.evil.example",
  "http://app.example.com",
  "https://app.example.com:8443",
  "https://sub.app.example.com",
];

describe("cross-origin requests", () => {
  let server: TestServer;
  let victim: CookieClient;
  let user: TestUser;
  let apiKey: string;
  let targets: Target[];
  let ticket: string;
  /** Per mutation, its example input (support/procedure-table.ts): it succeeds from the right origin. */
  let inputs: Record<string, unknown>;

  beforeAll(async () => {
    server = await startTestServer({ config: { publicUrl: PUBLIC_URL } });
    apiKey = (await createApiKey(server.db, "origin")).key;
    // The victim's browser holds everything a forged request could ride on.
    victim = new CookieClient(server.url, PUBLIC_URL);
    user = await signUp(victim);
    const minted = await staticTicket(server, "workspace:5:user:5");
    await victim.mutation("session.exchange", { ticket: minted.ticket });
    targets = await makeTargets(server, victim);
    const app = await ownAppData(victim);
    ticket = (await staticTicket(server, "workspace:5:user:5")).ticket;
    const [idle, approval, input] = targets as [Target, Target, Target];
    const scene: Scene = { user, app, idle, approval, input, ticket };
    inputs = Object.fromEntries(
      mutations.map((mutation) => [mutation.path, exampleOf(mutation, scene)]),
    );
  });
  afterAll(() => server.close());

  /** POSTs a mutation as the victim's browser would if `origin` forged it. */
  function forged(path: string, headers: Record<string, string>): Promise<Response> {
    const cookie = [...victim.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    return fetch(`${server.url}/trpc/${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${apiKey}`,
        cookie,
        ...headers,
      },
      body: inputs[path] === undefined ? undefined : JSON.stringify(inputs[path]),
    });
  }

  it("has a working input for every mutation of the router", () => {
    expect(tableProblems(procedures).join("\n")).toBe("");
    for (const mutation of mutations) {
      expect(acceptsInput(mutation, inputs[mutation.path]), mutation.path).toBe(true);
    }
  });

  it("refuses every mutation with 403 from every foreign origin, and changes nothing", async () => {
    const before = await snapshot(server.db);
    const unchanged = await fingerprint(server.db);
    const variants: [string, Record<string, string>][] = [
      ...HOSTILE_ORIGINS.map((origin): [string, Record<string, string>] => [
        `Origin: ${origin}`,
        { origin },
      ]),
      ["no Origin, Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
      ["no Origin, Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
      ["no Origin and no Sec-Fetch-Site, with cookies", {}],
    ];
    let refused = 0;
    for (const mutation of mutations) {
      for (const [name, headers] of variants) {
        const response = await forged(mutation.path, headers);
        const what = `${mutation.path} with ${name}`;
        expect(response.status, what).toBe(403);
        expect(response.headers.getSetCookie(), what).toEqual([]);
        expect(((await response.json()) as { error: { code: string } }).error.code, what).toBe(
          "forbidden",
        );
        if ((await fingerprint(server.db)) !== unchanged)
          await expectUnchanged(server.db, before, what);
        refused += 1;
      }
    }
    // A batch of every mutation at once, and the REST door, fare no better.
    const batch = await fetch(
      `${server.url}/trpc/${mutations.map((m) => m.path).join(",")}?batch=1`,
      {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://evil.example" },
        body: JSON.stringify(Object.fromEntries(mutations.map((m, i) => [i, inputs[m.path]]))),
      },
    );
    expect(batch.status).toBe(403);
    const rest = await postTicketFrom("https://evil.example");
    expect(rest.status).toBe(403);
    await expectUnchanged(server.db, before, "after every forged request");
    figures.crossOrigin = {
      mutations: mutations.length,
      variants: variants.length,
      refused: refused + 2,
    };
  });

  function postTicketFrom(origin: string): Promise<Response> {
    return fetch(`${server.url}/session/tickets`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${apiKey}`,
        origin,
      },
      body: JSON.stringify(inputs["ticket.create"]),
    });
  }

  it("lets the same requests through from PUBLIC_URL's origin", async () => {
    // Ending sessions last, so that every other mutation still has them.
    const last = ["session.end", "auth.signOutEverywhere", "auth.signOut"];
    const order = [
      ...mutations.filter((m) => !last.includes(m.path)),
      ...last.map((path) => mutations.find((m) => m.path === path)!),
    ];
    const answers: Record<string, Answer> = {};
    for (const mutation of order) {
      answers[mutation.path] = await answerOf(await forged(mutation.path, { origin: PUBLIC_URL }));
    }
    // Past the check, each is answered by its procedure: a success, or a refusal of the
    // procedure's own that the earlier requests' changes explain (a conversation deleted, an
    // approval already answered, a sign-in replaced). Never the check's 403, never a 5xx.
    const procedureAnswers: Answer[] = [
      { status: 200, code: null },
      { status: 401, code: "UNAUTHORIZED" },
      { status: 404, code: "NOT_FOUND" },
      { status: 409, code: "CONFLICT" },
    ];
    for (const [path, answer] of Object.entries(answers)) {
      expect(procedureAnswers, `${path} answered ${JSON.stringify(answer)}`).toContainEqual(answer);
    }
    // Those that nothing before them can stand in the way of succeed.
    for (const path of ["auth.signUp", "ticket.create", "session.exchange", "context.create"]) {
      expect(answers[path], path).toEqual({ status: 200, code: null });
    }
    expect((await postTicketFrom(PUBLIC_URL)).status).toBe(201);
  });
});

describe("cookies", () => {
  /** Every Set-Cookie line of a journey that sets, renews, replaces and clears both cookies. */
  async function journey(server: TestServer, origin: string): Promise<string[]> {
    const lines: string[] = [];
    const browser = new CookieClient(server.url, origin);
    const record = (response: Response) => {
      lines.push(...response.headers.getSetCookie());
      return response;
    };
    const user = {
      name: "Cookie",
      email: "cookie@example.com",
      password: "a long enough password",
    };
    record(await browser.mutation("auth.signUp", user));
    // Signing in again replaces the session with a new cookie.
    record(await browser.mutation("auth.signIn", { email: user.email, password: user.password }));
    // Tickets come from a backend (REST, no cookies); exchanging them sets agent_session.
    const { key } = await createApiKey(server.db, "cookies");
    for (const sessionType of ["static", "signin"] as const) {
      const ticket = await mintStaticTicket(server, key, "workspace:6:user:6", {
        agent_session_identifier: sessionType,
        ...(sessionType === "signin" ? { context_group: null } : {}),
      });
      // The signin ticket's group differs from the static one's: replacing it is confirmed.
      record(
        await browser.mutation("session.exchange", {
          ticket: ticket.ticket,
          confirmReplace: true,
        }),
      );
    }
    record(await browser.mutation("session.end"));
    // Past half of the 30 days, the sign-in is renewed with a fresh cookie.
    server.clock.advance(16 * 24 * 60 * 60_000);
    record(await browser.query("auth.me"));
    record(await browser.mutation("auth.signOut"));
    // A cookie naming a session that no longer exists is answered with a blank one.
    const stale = new CookieClient(server.url, origin);
    stale.cookies.set("auth_session", "no-such-session");
    record(await stale.query("auth.me"));
    const everywhere = new CookieClient(server.url, origin);
    await everywhere.mutation("auth.signIn", { email: user.email, password: user.password });
    record(await everywhere.mutation("auth.signOutEverywhere"));
    return lines;
  }

  function attributes(line: string) {
    const [pair = "", ...rest] = line.split(";").map((part) => part.trim());
    const name = pair.slice(0, pair.indexOf("="));
    const flags = new Map(
      rest.map((attribute) => {
        const eq = attribute.indexOf("=");
        return eq < 0
          ? [attribute.toLowerCase(), ""]
          : [attribute.slice(0, eq).toLowerCase(), attribute.slice(eq + 1)];
      }),
    );
    return { name, flags };
  }

  it("carries HttpOnly, SameSite=Lax, Path=/ and Secure on every cookie when PUBLIC_URL is https", async () => {
    const server = await startTestServer({ config: { publicUrl: PUBLIC_URL } });
    try {
      const lines = await journey(server, PUBLIC_URL);
      const names = new Set<string>();
      for (const line of lines) {
        const { name, flags } = attributes(line);
        names.add(name);
        expect(["auth_session", "agent_session"], line).toContain(name);
        expect(flags.has("httponly"), line).toBe(true);
        expect(flags.get("samesite"), line).toBe("Lax");
        expect(flags.get("path"), line).toBe("/");
        expect(flags.has("secure"), line).toBe(true);
        // Host-only: no Domain, so no sibling subdomain receives it.
        expect(flags.has("domain"), line).toBe(false);
      }
      expect([...names].sort()).toEqual(["agent_session", "auth_session"]);
      // Sign-up, sign-in, two exchanges, session.end, the renewal, sign-out, the blank answer
      // to a stale cookie and sign-out everywhere: nine lines, every one checked above.
      expect(lines).toHaveLength(9);
      figures.cookies = { secureServerSetCookieLines: lines.length };
    } finally {
      await server.close();
    }
  });

  it("drops only Secure for a localhost PUBLIC_URL (plain-http development)", async () => {
    const server = await startTestServer({ config: { publicUrl: "http://localhost:5173" } });
    try {
      const lines = await journey(server, "http://localhost:5173");
      for (const line of lines) {
        const { flags } = attributes(line);
        expect(flags.has("httponly"), line).toBe(true);
        expect(flags.get("samesite"), line).toBe("Lax");
        expect(flags.get("path"), line).toBe("/");
        expect(flags.has("secure"), line).toBe(false);
      }
    } finally {
      await server.close();
    }
  });

  it("gives the agent session cookie the ticket's lifetime", async () => {
    const server = await startTestServer({ config: { publicUrl: PUBLIC_URL } });
    try {
      const { ticket } = await staticTicket(server, "workspace:1:user:1", { expires_in: 600 });
      const response = await new CookieClient(server.url, PUBLIC_URL).mutation("session.exchange", {
        ticket,
      });
      const { flags } = attributes(response.headers.getSetCookie()[0]!);
      expect(flags.get("max-age")).toBe("600");
    } finally {
      await server.close();
    }
  });
});

describe("rate limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
    recordFigures("browser-guards", figures);
  });

  /** Retry-After must be a whole number of seconds, at least 1. */
  function expectRetryAfter(response: Response, what: string) {
    expect(response.status, what).toBe(429);
    expect(response.headers.get("retry-after"), what).toMatch(/^[1-9]\d*$/);
  }

  it("limits sign-ins per IP even in one batch, with 429 and Retry-After", async () => {
    const before = await snapshot(server.db);
    // Sign-in attempts as batched requests (10 calls each, the most a batch may hold) sent at
    // once: the limit counts calls, not requests.
    const batch = async (from: number, count: number) => {
      const paths = Array.from({ length: count }, () => "auth.signIn").join(",");
      const body = Object.fromEntries(
        Array.from({ length: count }, (_, i) => [
          i,
          { email: `guess${from + i}@example.com`, password: "x" },
        ]),
      );
      const response = await new CookieClient(server.url).fetch(`/trpc/${paths}?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const members = (await response.json()) as { error: { data: { httpStatus: number } } }[];
      const statuses = members.map((member) => member.error.data.httpStatus);
      if (statuses.includes(429)) {
        expect(response.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
      }
      return statuses;
    };
    const statuses = (await Promise.all([batch(0, 10), batch(10, 10), batch(20, 5)])).flat();
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
    // X-Forwarded-For is not trusted by default: a forged address does not reset the count.
    const spoofed = await new CookieClient(server.url).fetch("/trpc/auth.signIn", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
      body: JSON.stringify({ email: "someone@example.com", password: "x" }),
    });
    expectRetryAfter(spoofed, "a sign-in with a forged X-Forwarded-For");
    await expectUnchanged(server.db, before, "refused sign-ins");
    figures.signInLimit = { batch: 25, verified: 20, refused: 5 };
  });

  it("locks an account at the fifth failure even when the guesses arrive at once from many addresses", async () => {
    // Behind a proxy each guess can claim its own address, as a spread-out guesser's would, so
    // only the lock on the account stands between them and the password.
    const guessed = await startTestServer({ trustProxy: true });
    try {
      const owner = await signUp(new CookieClient(guessed.url));
      const before = await snapshot(guessed.db);
      const attempt = (password: string, address: string) =>
        new CookieClient(guessed.url).fetch("/trpc/auth.signIn", {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": address },
          body: JSON.stringify({ email: owner.email, password }),
        });
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => attempt(`wrong guess ${i}`, `198.51.100.${i + 1}`)),
      );
      // Five passwords were checked, as for five guesses in a row; the rest were refused.
      expect(answers.filter((answer) => answer.status === 401)).toHaveLength(5);
      for (const answer of answers.filter((a) => a.status !== 401)) {
        expectRetryAfter(answer, "a guess past the account's lock");
      }
      // The right password waits for the lock like any other.
      expectRetryAfter(
        await attempt(owner.password, "198.51.100.200"),
        "the right password during the lock",
      );
      await expectUnchanged(guessed.db, before, "a burst of guesses");
      figures.accountLock = { concurrentGuesses: 40, verified: 5, refused: 35 };
    } finally {
      await guessed.close();
    }
  });

  it("limits sign-ups per IP with 429 and Retry-After, creating no account", async () => {
    for (let i = 0; i < 5; i++) await signUp(new CookieClient(server.url));
    const before = await snapshot(server.db);
    const limited = await new CookieClient(server.url).mutation("auth.signUp", {
      email: "one-more@example.com",
      name: "One more",
      password: "a long enough password",
    });
    expectRetryAfter(limited, "the sixth sign-up");
    await expectUnchanged(server.db, before, "a refused sign-up");
  });

  it("limits failed exchanges per IP, concurrent or not, with 429 and Retry-After", async () => {
    const limited = await startTestServer({
      exchangeFailures: new MemoryRateLimiter({ capacity: 10, refillIntervalMs: 6_000 }),
    });
    try {
      const valid = await staticTicket(limited);
      const before = await snapshot(limited.db);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          new CookieClient(limited.url).mutation("session.exchange", { ticket: `aat_guess${i}` }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(10);
      for (const answer of answers.filter((a) => a.status !== 401)) {
        expectRetryAfter(answer, "a guess past the limit");
      }
      await expectUnchanged(limited.db, before, "refused exchanges");
      // The limit is for guesses: a valid ticket still exchanges (exchange-limits.test.ts).
      const accepted = await new CookieClient(limited.url).mutation("session.exchange", {
        ticket: valid.ticket,
      });
      expect(accepted.status).toBe(200);
      figures.exchangeLimit = { concurrentGuesses: 50, verified: 10, refused: 40 };
    } finally {
      await limited.close();
    }
  });
});
