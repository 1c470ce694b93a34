// Sign-in over real HTTP, where the cookie is the point.
import { sha256 } from "@agent-access/db";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CookieClient,
  signUp,
  startTestServer,
  type TestServer,
  trpcData,
  trpcError,
} from "../test/harness.ts";

let server: TestServer;
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
    expect((await trpcData(await client.query("auth.me"))) as object).toEqual({
      id: ada.id,
      email: "ada@example.com",
      name: "Ada",
    });

    const signOut = await client.mutation("auth.signOut");
    expect(signOut.status).toBe(200);
    expect(signOut.headers.getSetCookie()[0]).toMatch(/^auth_session=; .*Max-Age=0/);
    expect(client.cookies.has("auth_session")).toBe(false);
    const refused = await client.query("auth.me");
    expect(refused.status).toBe(401);
    expect(await trpcError(refused)).toMatchObject({ message: "sign in first" });

    const signIn = await client.mutation("auth.signIn", {
      email: " ADA@example.com",
      password: ada.password,
    });
    expect(signIn.status).toBe(200);
    expect(await trpcData(signIn)).toEqual({ user: { id: ada.id, email: ada.email, name: "Ada" } });
    expect((await client.query("auth.me")).status).toBe(200);
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
    const rows = server.db.prepare("SELECT * FROM auth_session").all();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(sessionId);
    expect(rows[0]).toMatchObject({ id: sha256(sessionId) });
  });

  it("ends the session for good: a copy of the old cookie no longer signs in", async () => {
    const client = new CookieClient(server.url);
    await signUp(client);
    const stolen = new CookieClient(server.url);
    stolen.cookies.set("auth_session", sessionCookie(client));
    expect((await stolen.query("auth.me")).status).toBe(200);
    await client.mutation("auth.signOut");
    expect((await stolen.query("auth.me")).status).toBe(401);
  });

  it("signs out everywhere: every device's session ends", async () => {
    const laptop = new CookieClient(server.url);
    const user = await signUp(laptop);
    const phone = new CookieClient(server.url);
    await phone.mutation("auth.signIn", { email: user.email, password: user.password });
    expect((await phone.query("auth.me")).status).toBe(200);

    expect((await laptop.mutation("auth.signOutEverywhere")).status).toBe(200);
    expect((await laptop.query("auth.me")).status).toBe(401);
    expect((await phone.query("auth.me")).status).toBe(401);
    expect(server.db.prepare("SELECT count(*) FROM auth_session").pluck().get()).toBe(0);
  });

  it("gives a wrong password and an unknown email the same generic error", async () => {
    const user = await signUp(new CookieClient(server.url));
    const client = new CookieClient(server.url);
    const wrong = await client.mutation("auth.signIn", {
      email: user.email,
      password: "not the password",
    });
    const unknown = await client.mutation("auth.signIn", {
      email: "nobody@example.com",
      password: "not the password",
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [wrongError, unknownError] = [await trpcError(wrong), await trpcError(unknown)];
    expect(unknownError.message).toBe(wrongError.message);
    expect(wrongError.message).toBe("Email or password is wrong.");
    expect(client.cookies.size).toBe(0);
  });

  it("answers a duplicate email with CONFLICT, whatever its case", async () => {
    await signUp(new CookieClient(server.url), { email: "ada@example.com" });
    const response = await new CookieClient(server.url).mutation("auth.signUp", {
      email: "Ada@Example.com",
      name: "Other Ada",
      password: "a long enough password",
    });
    expect(response.status).toBe(409);
    expect(await trpcError(response)).toMatchObject({ data: { code: "CONFLICT" } });
    expect(server.db.prepare("SELECT count(*) FROM user").pluck().get()).toBe(1);
  });

  it.each([
    [{ email: "not an email", name: "Ada", password: "a long enough password" }, "email"],
    [{ email: "ada@example.com", name: "Ada", password: "short" }, "password"],
    [{ email: "ada@example.com", name: "Ada", password: "x".repeat(257) }, "password"],
    [{ email: "ada@example.com", name: "   ", password: "a long enough password" }, "name"],
  ])("answers malformed sign-up input %j with 400 naming the field", async (input, field) => {
    const response = await new CookieClient(server.url).mutation("auth.signUp", input);
    expect(response.status).toBe(400);
    const error = await trpcError(response);
    expect(error.data.code).toBe("BAD_REQUEST");
    expect(Object.keys(error.data.zodError?.fieldErrors ?? {})).toEqual([field]);
    expect(server.db.prepare("SELECT count(*) FROM user").pluck().get()).toBe(0);
  });
});

describe("sign-in rate limits over HTTP", () => {
  it("answers repeated failures on one account with 429 and Retry-After, until the lock ends", async () => {
    const user = await signUp(new CookieClient(server.url));
    const client = new CookieClient(server.url);
    for (let i = 0; i < 5; i++) {
      const failed = await client.mutation("auth.signIn", {
        email: user.email,
        password: `wrong-${i}`,
      });
      expect(failed.status).toBe(401);
    }
    const locked = await client.mutation("auth.signIn", {
      email: user.email,
      password: user.password,
    });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBe("60");
    expect(await trpcError(locked)).toMatchObject({
      message: "Too many failed sign-ins for this account: try again in 60 seconds.",
      data: { code: "TOO_MANY_REQUESTS" },
    });
    expect(client.cookies.size).toBe(0);

    server.clock.advance(30_000);
    const stillLocked = await client.mutation("auth.signIn", {
      email: user.email,
      password: user.password,
    });
    expect(stillLocked.status).toBe(429);
    expect(stillLocked.headers.get("retry-after")).toBe("30");

    server.clock.advance(30_000);
    const recovered = await client.mutation("auth.signIn", {
      email: user.email,
      password: user.password,
    });
    expect(recovered.status).toBe(200);
    expect(client.cookies.has("auth_session")).toBe(true);
  });

  it("limits sign-in attempts per IP across accounts with a token bucket", async () => {
    const client = new CookieClient(server.url);
    const attempt = (i: number) =>
      client.mutation("auth.signIn", { email: `guess${i}@example.com`, password: "guess" });
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
    const limited = await new CookieClient(server.url).mutation("auth.signUp", {
      email: "one-more@example.com",
      name: "One more",
      password: "a long enough password",
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    server.clock.advance(60_000);
    await expect(signUp(new CookieClient(server.url))).resolves.toMatchObject({
      id: expect.any(String),
    });
  });
});
