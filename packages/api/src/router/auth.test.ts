// The auth router through a caller: cookies in, Set-Cookie out, without HTTP.
import { TRPCError } from "@trpc/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../../test/callers.ts";

const DAY = 24 * 60 * 60_000;
let api: TestApi;
beforeEach(() => {
  api = createTestApi();
});
afterEach(() => api.close());

const signUpInput = {
  email: "ada@example.com",
  name: "Ada",
  password: "a long enough password",
};

describe("auth router", () => {
  it("signs up into a cookie that `me` then accepts; without it `me` says to sign in", async () => {
    const browser = api.browser();
    const { user } = await browser.caller.auth.signUp(signUpInput);
    expect(browser.headers.getSetCookie()[0]).toMatch(/^auth_session=/);
    await expect(browser.caller.auth.me()).resolves.toEqual(user);
    await expect(api.browser().caller.auth.me()).rejects.toMatchObject(
      new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" }),
    );
  });

  it("renews a session used past its half-life with a fresh Set-Cookie", async () => {
    const browser = api.browser();
    await browser.caller.auth.signUp(signUpInput);
    api.clock.advance(16 * DAY);
    await browser.caller.auth.me();
    expect(browser.headers.getSetCookie()[0]).toMatch(
      /^auth_session=\w+; HttpOnly; Max-Age=2592000/,
    );
  });

  it("never reads the session for procedures that do not need it", async () => {
    const browser = api.browser();
    browser.cookies.set("auth_session", "unknown-session");
    await browser.caller.health();
    // A lookup would have found the unknown session and answered with a blank cookie.
    expect(browser.headers.getSetCookie()).toEqual([]);
    await expect(browser.caller.auth.me()).rejects.toThrow("sign in first");
    expect(browser.headers.getSetCookie()[0]).toMatch(/^auth_session=; .*Max-Age=0/);
  });
});
