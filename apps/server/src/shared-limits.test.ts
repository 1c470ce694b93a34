// The sign-in, sign-up and exchange limits and the account lock across two server instances on
// one database: on PostgreSQL they count in the database, so attempts spread over instances
// meet the limits at the same totals as attempts sent to one. On SQLite there is one instance,
// so "B" is A again and the same figures hold.
import { value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  agentBrowser,
  CookieClient,
  outcome,
  refusal,
  signUp,
  startTestServer,
  staticTicket,
  type TestServer,
  type TestServerOptions,
} from "../test/harness.ts";

describeEachDialect("limits across instances", (suite) => {
  let a: TestServer;
  let b: TestServer;
  /** Both instances' clocks, moved together. */
  const advance = (ms: number) => {
    a.clock.advance(ms);
    if (b !== a) b.clock.advance(ms);
  };

  /** Instance A, and B on a second pool of A's database (SQLite: A again). */
  async function start(options: TestServerOptions = {}): Promise<void> {
    // Behind one proxy: X-Forwarded-For names the client, and without it the socket does.
    a = await startTestServer({ trustProxy: true, ...options });
    const another = suite.openAnother(a.db);
    b = another ? await startTestServer({ db: another, trustProxy: true, ...options }) : a;
    b.clock.now = a.clock.now;
  }
  afterEach(async () => {
    if (b !== a) await b.close();
    await a.close();
  });

  /** The instance for the i-th attempt: A, B, A, B… */
  const instance = (i: number) => (i % 2 ? b : a);

  const signIn = (server: TestServer, email: string, password: string) =>
    outcome(new CookieClient(server.url).trpc.auth.signIn.mutate({ email, password }));

  describe("one attempt at a time", () => {
    beforeEach(() => start());

    it("counts sign-in attempts from one address on both instances against one bucket", async () => {
      for (let i = 0; i < 20; i++) {
        expect((await signIn(instance(i), `guess${i}@example.com`, "guess")).status).toBe(401);
      }
      const limited = await refusal(
        new CookieClient(b.url).trpc.auth.signIn.mutate({
          email: "guess20@example.com",
          password: "guess",
        }),
      );
      expect(limited).toMatchObject({ status: 429, code: "TOO_MANY_REQUESTS" });
      expect(limited.headers.get("retry-after")).toBe("10");
      expect((await signIn(a, "guess21@example.com", "guess")).status).toBe(429);
      // One token comes back every 10 s, on either instance.
      advance(10_000);
      expect((await signIn(a, "guess22@example.com", "guess")).status).toBe(401);
      expect((await signIn(b, "guess23@example.com", "guess")).status).toBe(429);
    });

    it("holds on B an account lock that failures on A started, until it ends", async () => {
      const user = await signUp(new CookieClient(a.url));
      for (let i = 0; i < 5; i++) {
        expect((await signIn(a, user.email, `wrong-${i}`)).status).toBe(401);
      }
      const locked = await refusal(
        new CookieClient(b.url).trpc.auth.signIn.mutate({
          email: user.email,
          password: user.password,
        }),
      );
      expect(locked).toMatchObject({
        status: 429,
        message: "Too many failed sign-ins for this account: try again in 60 seconds.",
      });
      advance(60_000);
      expect(await signIn(b, user.email, user.password)).toMatchObject({ status: 200 });
      // The success on B forgave the failures for A too: five more before the next lock.
      for (let i = 0; i < 5; i++) {
        expect((await signIn(a, user.email, `wrong-${i}`)).status).toBe(401);
      }
      expect((await signIn(b, user.email, user.password)).status).toBe(429);
    });

    it("counts sign-ups from one address on both instances against one bucket", async () => {
      for (let i = 0; i < 5; i++) {
        await signUp(new CookieClient(instance(i).url), { email: `new${i}@example.com` });
      }
      const limited = await refusal(
        new CookieClient(b.url).trpc.auth.signUp.mutate({
          email: "new5@example.com",
          name: "New",
          password: "a long enough password",
        }),
      );
      expect(limited).toMatchObject({ status: 429, code: "TOO_MANY_REQUESTS" });
      expect(limited.headers.get("retry-after")).toBe("60");
      advance(60_000);
      await signUp(new CookieClient(a.url), { email: "new6@example.com" });
    });

    it("counts failed exchanges on both instances, and still exchanges a valid ticket", async () => {
      const exchange = (server: TestServer, ticket: string) =>
        outcome(new CookieClient(server.url).trpc.session.exchange.mutate({ ticket }));
      for (let i = 0; i < 10; i++) {
        expect((await exchange(instance(i), `no-such-ticket-${i}`)).status).toBe(401);
      }
      expect((await exchange(a, "no-such-ticket-10")).status).toBe(429);
      expect((await exchange(b, "no-such-ticket-11")).status).toBe(429);
      const { ticket } = await staticTicket(a);
      expect((await exchange(b, ticket)).status).toBe(200);
      advance(6_000);
      expect((await exchange(b, "no-such-ticket-12")).status).toBe(401);
      expect((await exchange(a, "no-such-ticket-13")).status).toBe(429);
    });

    it("counts only failed exchanges in the shared bucket: a success writes nothing to it", async () => {
      // The count's rows (PostgreSQL; on SQLite the count is in memory and the table stays
      // empty either way).
      const rows = () =>
        value<number>(a.db, "SELECT count(*) AS n FROM rate_limit WHERE limiter = 'exchange'");
      const exchange = (server: TestServer, ticket: string) =>
        outcome(new CookieClient(server.url).trpc.session.exchange.mutate({ ticket }));
      for (let i = 0; i < 4; i++) {
        const { ticket } = await staticTicket(a);
        expect((await exchange(instance(i), ticket)).status).toBe(200);
      }
      expect(await rows()).toBe(0);
      // A failure is counted, on the instance it reached as on the other.
      expect((await exchange(b, "no-such-ticket")).status).toBe(401);
      expect(await rows()).toBe(suite.dialect === "postgres" ? 1 : 0);
    });
  });

  describe("agent quotas", () => {
    it("counts the new conversations of one agent session on both instances against one rate", async () => {
      await start({ quotas: { contextsPerMinutePerSession: 3 } });
      const onA = await agentBrowser(a, "workspace:1:user:1");
      // The same browser (its agent_session cookie) reaching B through the load balancer.
      const onB = new CookieClient(b.url);
      for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
      const create = (i: number) =>
        outcome((i % 2 ? onB : onA).trpc.context.create.mutate({ title: `chat ${i}` }));
      for (let i = 0; i < 3; i++) expect((await create(i)).status).toBe(200);
      const refused = await create(3);
      expect(refused).toMatchObject({
        status: 429,
        error: { message: expect.stringMatching(/at most 3 new conversations per minute/) },
      });
      expect((await create(4)).status).toBe(429);
      advance(20_000);
      expect((await create(5)).status).toBe(200);
      expect((await create(6)).status).toBe(429);
    });
  });

  describe("agent quotas, refused", () => {
    it("counts a call another limit refuses against no rate, on either instance", async () => {
      await start({
        quotas: { contextsPerMinutePerSession: 4, messagesPerMinutePerSession: 1 },
      });
      const onA = await agentBrowser(a, "workspace:1:user:1");
      const onB = new CookieClient(b.url);
      for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
      const create = (browser: CookieClient, firstMessage?: string) =>
        outcome(browser.trpc.context.create.mutate({ title: "chat", firstMessage }));
      expect((await create(onA, "hello")).status).toBe(200);
      // Over the message rate: refused, and its new conversation given back.
      for (const browser of [onB, onA, onB]) {
        expect(await create(browser, "again")).toMatchObject({
          status: 429,
          error: { message: expect.stringMatching(/at most 1 messages per minute/) },
        });
      }
      for (const browser of [onA, onB, onA]) expect((await create(browser)).status).toBe(200);
      expect((await create(onB)).status).toBe(429);
    });

    it("counts 40 concurrent new conversations of one session against both its rates exactly", async () => {
      // A new conversation spends its session's and its group's rate in one statement: sent at
      // once to both instances, exactly the smaller rate is let through, and the refused ones
      // take no token of the other rate.
      await start({ quotas: { contextsPerMinutePerSession: 7, contextsPerMinutePerGroup: 9 } });
      const onA = await agentBrowser(a, "workspace:1:user:1");
      const onB = new CookieClient(b.url);
      for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
      const created = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          outcome((i % 2 ? onB : onA).trpc.context.create.mutate({ title: `chat ${i}` })),
        ),
      );
      expect(created.filter((result) => result.status === 200)).toHaveLength(7);
      expect(created.filter((result) => result.status === 429)).toHaveLength(33);
      // The group's rate spent 7 of its 9: another session of the group gets exactly 2.
      const other = await agentBrowser(a, "workspace:1:user:1");
      const more = await Promise.all(
        Array.from({ length: 6 }, () => outcome(other.trpc.context.create.mutate({ title: "x" }))),
      );
      expect(more.filter((result) => result.status === 200)).toHaveLength(2);
    });
  });

  describe("attempts sent at once", () => {
    beforeEach(() => start());

    it("lets 5 of 200 concurrent guesses on one account through, whichever instance they reach", async () => {
      const user = await signUp(new CookieClient(a.url));
      // From 200 addresses, so that only the account lock stands in their way.
      const guess = (i: number) =>
        fetch(`${instance(i).url}/trpc/auth.signIn`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: instance(i).url,
            "x-forwarded-for": `10.0.0.${i}`,
          },
          body: JSON.stringify({ email: user.email, password: `guess-${i}` }),
        }).then((response) => response.status);
      const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => guess(i)));
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(195);
    });

    it("answers 10 of 200 concurrent bad exchanges from one address, whichever instance they reach", async () => {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const exchanged = await outcome(
            new CookieClient(instance(i).url).trpc.session.exchange.mutate({
              ticket: `no-such-ticket-${i}`,
            }),
          );
          return exchanged.status;
        }),
      );
      expect(statuses.filter((status) => status === 401)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(190);
    });
  });
});
