// The session router by caller: signin agent sessions follow the browser's sign-in, and failed
// ticket exchanges are limited per IP.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, signUp, type TestApi, type TestBrowser } from "../../test/callers.ts";

let api: TestApi;
beforeEach(() => {
  api = createTestApi();
});
afterEach(() => api.close());

async function signinTicket(): Promise<string> {
  const { ticket } = await api.backend().ticket.create({
    ticket_type: "agent_access",
    agent_ids: ["test-assistant"],
    agent_session_identifier: "signin",
  });
  return ticket;
}

const current = (browser: TestBrowser) => browser.caller.session.current();

describe("signin sessions", () => {
  it("refuse an exchange without a sign-in, and leave the ticket usable", async () => {
    const ticket = await signinTicket();
    const browser = api.browser();
    await expect(browser.caller.session.exchange({ ticket })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
      message: "sign in first, then open the agent again",
    });
    const user = await signUp(browser);
    expect(await browser.caller.session.exchange({ ticket })).toMatchObject({
      sessionType: "signin",
      contextGroup: `user:${user.id}`,
    });
  });

  it("end when the user signs out, and do not come back on signing in again", async () => {
    const browser = api.browser();
    const user = await signUp(browser);
    await browser.caller.session.exchange({ ticket: await signinTicket() });
    expect(await current(browser)).toMatchObject({ contextGroup: `user:${user.id}` });

    await browser.caller.auth.signOut();
    expect(await current(browser)).toBeNull();

    await browser.caller.auth.signIn({ email: user.email, password: user.password });
    expect(await current(browser)).toBeNull();
  });

  it("refuse another user's sign-in in the same browser", async () => {
    const browser = api.browser();
    await signUp(browser);
    await browser.caller.session.exchange({ ticket: await signinTicket() });
    const agentCookie = browser.cookies.get("agent_session")!;

    const other = api.browser();
    await signUp(other);
    other.cookies.set("agent_session", agentCookie);
    expect(await current(other)).toBeNull();
    // The owner keeps it.
    expect(await current(browser)).not.toBeNull();
  });
});

describe("failed exchanges", () => {
  it("are limited per IP with TOO_MANY_REQUESTS and Retry-After, and the limit wears off", async () => {
    const browser = api.browser({ clientIp: "203.0.113.7" });
    for (let attempt = 0; attempt < 10; attempt++) {
      await expect(
        browser.caller.session.exchange({ ticket: `aat_guess${attempt}` }),
      ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    const { ticket } = await api.backend().ticket.create({
      ticket_type: "agent_access",
      agent_ids: ["test-assistant"],
      agent_session_identifier: "static",
      context_group: "workspace:1:user:1",
    });
    await expect(browser.caller.session.exchange({ ticket: "aat_guess10" })).rejects.toMatchObject({
      code: "TOO_MANY_REQUESTS",
      message: expect.stringMatching(/too many failed ticket exchanges/),
    });
    expect(Number(browser.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another IP is not held back.
    await expect(
      api.browser({ clientIp: "203.0.113.8" }).caller.session.exchange({ ticket: "aat_other" }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });

    // The limit is for guesses: a valid ticket still exchanges from here.
    expect(await browser.caller.session.exchange({ ticket })).toMatchObject({
      sessionType: "static",
    });
    api.clock.advance(6_000);
    await expect(browser.caller.session.exchange({ ticket: "aat_guess11" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});
