// The same-origin check as the server applies it: before any route, on every non-GET request.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CookieClient, signUp, startTestServer, type TestServer } from "../test/harness.ts";

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer({ config: { publicUrl: "https://app.example.com" } });
});
afterEach(() => server.close());

const count = (table: string) =>
  server.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe("the same-origin check", () => {
  it("refuses a cross-origin mutation with 403 and a clear message, changing nothing", async () => {
    const client = new CookieClient(server.url);
    await signUp(client);
    const before = { sessions: count("auth_session") };

    const evil = new CookieClient(server.url, "https://evil.example");
    evil.cookies.set("auth_session", client.cookies.get("auth_session")!);
    const response = await evil.mutation("auth.signOutEverywhere");
    expect(response.status).toBe(403);
    const message = expect.stringMatching(
      /^cross-origin request refused: .*https:\/\/app\.example\.com/,
    );
    expect(await response.json()).toEqual({
      error: { code: "forbidden", message },
      code: "forbidden",
      message,
    });
    expect(response.headers.getSetCookie()).toEqual([]);
    const signUpThere = await evil.mutation("auth.signUp", {
      email: "planted@example.com",
      name: "Planted",
      password: "a long enough password",
    });
    expect(signUpThere.status).toBe(403);
    expect(count("user")).toBe(1);
    expect({ sessions: count("auth_session") }).toEqual(before);
    await expect(client.trpc.auth.me.query()).resolves.toMatchObject({ id: expect.any(String) });
  });

  it("accepts PUBLIC_URL's origin and the request's own", async () => {
    const fromPublicUrl = new CookieClient(server.url, "https://app.example.com");
    await expect(signUp(fromPublicUrl)).resolves.toBeDefined();
    const fromOwnHost = new CookieClient(server.url);
    await expect(signUp(fromOwnHost)).resolves.toBeDefined();
  });

  it("lets a server-to-server POST without Origin or cookies reach its route", async () => {
    const response = await fetch(`${server.url}/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer aak_example" },
      body: JSON.stringify({ email: "nobody@example.com", password: "whatever" }),
    });
    expect(response.status).toBe(401); // past the check, refused by the procedure itself
  });

  it("refuses a cookie-bearing POST that names no origin, and accepts Sec-Fetch-Site same-origin", async () => {
    const client = new CookieClient(server.url);
    await signUp(client);
    const cookie = `auth_session=${client.cookies.get("auth_session")}`;
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/trpc/auth.signOutEverywhere`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie, ...headers },
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(count("auth_session")).toBe(1);
    expect((await post({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect(count("auth_session")).toBe(0);
  });

  it("cannot be dodged by sending a mutation as a GET: tRPC refuses it", async () => {
    const victim = new CookieClient(server.url);
    await signUp(victim);
    const evil = new CookieClient(server.url, "https://evil.example");
    evil.cookies.set("auth_session", victim.cookies.get("auth_session")!);
    const response = await evil.fetch("/trpc/auth.signOutEverywhere");
    expect(response.status).toBe(405);
    expect(count("auth_session")).toBe(1);
  });

  it("leaves queries (GET) alone: they change nothing", async () => {
    const client = new CookieClient(server.url, "https://evil.example");
    await expect(client.trpc.health.query()).resolves.toMatchObject({ status: "ok" });
  });
});
