import { describe, expect, it } from "vitest";
import { readCookie, secureCookies } from "./cookie.ts";

describe("secureCookies", () => {
  it("is on except for an app on this machine", () => {
    expect(secureCookies("https://app.example.com")).toBe(true);
    expect(secureCookies("http://intranet.example")).toBe(true);
    expect(secureCookies("http://localhost:5173")).toBe(false);
    expect(secureCookies("http://127.0.0.1:3000")).toBe(false);
    expect(secureCookies("http://[::1]:3000")).toBe(false);
  });
});

describe("readCookie", () => {
  it("finds a cookie among others and skips what it cannot decode", () => {
    expect(readCookie("a=1; auth_session=abc; b=2", "auth_session")).toBe("abc");
    expect(readCookie("auth_session=%E0%A4%A; auth_session=ok", "auth_session")).toBe("ok");
    expect(readCookie("auth_session=%E0%A4%A", "auth_session")).toBeNull();
    expect(readCookie("auth_session=", "auth_session")).toBeNull();
    expect(readCookie("other=1", "auth_session")).toBeNull();
    expect(readCookie(null, "auth_session")).toBeNull();
  });
});
