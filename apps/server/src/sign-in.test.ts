// Sign-in over real HTTP, where the cookie is the point.
import { all, sha256, value } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CookieClient,
  refusal,
  signUp,
  startTestServer,
  type TestServer,
} from "../test/harness.ts";

let server: TestServer;
describeEachDialect("sign-in", () => {
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  function sessionCookie(client: CookieClient): string {
    return client.cookies.get("auth_session") ?? "";
  }

  describe("sign-in over HTTP", () => {
    it("signs up, signs in, answers me, signs out, and then refuses me", async () => {
      const client = new CookieClient(server.url);
      const ada = await signUp(client, { email: "ada@example.com", name: "Ada" });
      expect(await client.trpc.auth.me.query()).toEqual({
        id: ada.id,
        email: "ada@example.com",
        name: "Ada",
      });

      // The cleared cookie is the point: raw HTTP.
      const signOut = await client.mutation("auth.signOut");
      expect(signOut.status).toBe(200);
      expect(signOut.headers.getSetCookie()[0]).toMatch(/^auth_session=; .*Max-Age=0/);
      expect(client.cookies.has("auth_session")).toBe(false);
      expect(await refusal(client.trpc.auth.me.query())).toMatchObject({
        status: 401,
        message: "sign in first",
      });

      const signIn = await client.trpc.auth.signIn.mutate({
        email: " ADA@example.com",
        password: ada.password,
      });
      expect(signIn).toEqual({ user: { id: ada.id, email: ada.email, name: "Ada" } });
      expect(await client.trpc.auth.me.query()).toMatchObject({ id: ada.id });
    });

    it("sends the session only in an HttpOnly, SameSite=Lax cookie whose id the database never holds", async () => {
      const client = new CookieClient(server.url);
      const response = await client.mutation("auth.signUp", {
        email: "ada@example.com",
        name: "Ada",
        password: "a long enough password",
      });
      const [setCookie] = response.headers.getSetCookie();
      expect(setCookie).toMatch(
        /^auth_session=\w+; HttpOnly; Max-Age=2592000; Path=\/; SameSite=Lax$/,
      );
      expect(JSON.stringify(await response.json())).not.toContain(sessionCookie(client));

      const sessionId = sessionCookie(client);
      const rows = await all(server.db, "SELECT * FROM auth_session");
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(sessionId);
      expect(rows[0]).toMatchObject({ id: sha256(sessionId) });
    });

    it("ends the session for good: a copy of the old cookie no longer signs in", async () => {
      const client = new CookieClient(server.url);
      await signUp(client);
      const stolen = new CookieClient(server.url);
      stolen.cookies.set("auth_session", sessionCookie(client));
      expect(await stolen.trpc.auth.me.query()).toMatchObject({ email: expect.any(String) });
      await client.trpc.auth.signOut.mutate();
      expect((await refusal(stolen.trpc.auth.me.query())).status).toBe(401);
    });

    it("signs out everywhere: every device's session ends", async () => {
      const laptop = new CookieClient(server.url);
      const user = await signUp(laptop);
      const phone = new CookieClient(server.url);
      await phone.trpc.auth.signIn.mutate({ email: user.email, password: user.password });
      expect(await phone.trpc.auth.me.query()).toMatchObject({ id: user.id });

      await laptop.trpc.auth.signOutEverywhere.mutate();
      expect((await refusal(laptop.trpc.auth.me.query())).status).toBe(401);
      expect((await refusal(phone.trpc.auth.me.query())).status).toBe(401);
      expect(await value(server.db, "SELECT count(*) FROM auth_session")).toBe(0);
    });

    it("gives a wrong password and an unknown email the same generic error", async () => {
      const user = await signUp(new CookieClient(server.url));
      const client = new CookieClient(server.url);
      const wrongError = await refusal(
        client.trpc.auth.signIn.mutate({ email: user.email, password: "not the password" }),
      );
      const unknownError = await refusal(
        client.trpc.auth.signIn.mutate({
          email: "nobody@example.com",
          password: "not the password",
        }),
      );
      expect(wrongError.status).toBe(401);
      expect(unknownError.status).toBe(401);
      expect(unknownError.message).toBe(wrongError.message);
      expect(wrongError.message).toBe("Email or password is wrong.");
      expect(client.cookies.size).toBe(0);
    });

    it("answers a duplicate email with CONFLICT, whatever its case", async () => {
      await signUp(new CookieClient(server.url), { email: "ada@example.com" });
      const conflict = await refusal(
        new CookieClient(server.url).trpc.auth.signUp.mutate({
          email: "Ada@Example.com",
          name: "Other Ada",
          password: "a long enough password",
        }),
      );
      expect(conflict.status).toBe(409);
      expect(conflict.code).toBe("CONFLICT");
      expect(await value(server.db, 'SELECT count(*) FROM "user"')).toBe(1);
    });

    it.each([
      [{ email: "not an email", name: "Ada", password: "a long enough password" }, "email"],
      [{ email: "ada@example.com", name: "Ada", password: "short" }, "password"],
      [{ email: "ada@example.com", name: "Ada", password: "x".repeat(257) }, "password"],
      [{ email: "ada@example.com", name: "   ", password: "a long enough password" }, "name"],
    ])("answers malformed sign-up input %j with 400 naming the field", async (input, field) => {
      const error = await refusal(new CookieClient(server.url).trpc.auth.signUp.mutate(input));
      expect(error.status).toBe(400);
      expect(error.code).toBe("BAD_REQUEST");
      expect(Object.keys(error.zodError?.fieldErrors ?? {})).toEqual([field]);
      expect(await value(server.db, 'SELECT count(*) FROM "user"')).toBe(0);
    });
  });

  describe("sign-in rate limits over HTTP", () => {
    it("answers repeated failures on one account with 429 and Retry-After, until the lock ends", async () => {
      const user = await signUp(new CookieClient(server.url));
      const client = new CookieClient(server.url);
      const signIn = (password: string) =>
        client.trpc.auth.signIn.mutate({ email: user.email, password });
      for (let i = 0; i < 5; i++) {
        expect((await refusal(signIn(`wrong-${i}`))).status).toBe(401);
      }
      const locked = await refusal(signIn(user.password));
      expect(locked.status).toBe(429);
      expect(locked.headers.get("retry-after")).toBe("60");
      expect(locked).toMatchObject({
        message: "Too many failed sign-ins for this account: try again in 60 seconds.",
        code: "TOO_MANY_REQUESTS",
      });
      expect(client.cookies.size).toBe(0);

      server.clock.advance(30_000);
      const stillLocked = await refusal(signIn(user.password));
      expect(stillLocked.status).toBe(429);
      expect(stillLocked.headers.get("retry-after")).toBe("30");

      server.clock.advance(30_000);
      expect(await signIn(user.password)).toMatchObject({ user: { id: user.id } });
      expect(client.cookies.has("auth_session")).toBe(true);
    });

    it("limits sign-in attempts per IP across accounts with a token bucket", async () => {
      const client = new CookieClient(server.url);
      const attempt = (i: number) =>
        refusal(
          client.trpc.auth.signIn.mutate({ email: `guess${i}@example.com`, password: "guess" }),
        );
      for (let i = 0; i < 20; i++) expect((await attempt(i)).status).toBe(401);
      const limited = await attempt(20);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("10");

      server.clock.advance(10_000);
      expect((await attempt(21)).status).toBe(401);
      expect((await attempt(22)).status).toBe(429);
    });

    it("limits sign-ups per IP", async () => {
      for (let i = 0; i < 5; i++) await signUp(new CookieClient(server.url));
      const limited = await refusal(
        new CookieClient(server.url).trpc.auth.signUp.mutate({
          email: "one-more@example.com",
          name: "One more",
          password: "a long enough password",
        }),
      );
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("60");
      server.clock.advance(60_000);
      await expect(signUp(new CookieClient(server.url))).resolves.toMatchObject({
        id: expect.any(String),
      });
    });
  });
});
