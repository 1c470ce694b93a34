import { describe, expect, it } from "vitest";
import { checkSameOrigin } from "./same-origin.ts";

const PUBLIC_URL = "https://app.example.com";

function request(
  method: string,
  headers: Record<string, string>,
  url = "http://10.0.0.5:3000/trpc/x",
) {
  return { method, url, headers: new Headers(headers) };
}

describe("checkSameOrigin", () => {
  it("lets safe methods through whatever their origin", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "get"]) {
      expect(checkSameOrigin(request(method, { origin: "https://evil.test" }), PUBLIC_URL)).toEqual(
        {
          allowed: true,
        },
      );
    }
  });

  it("accepts PUBLIC_URL's origin and the request's own origin", () => {
    expect(checkSameOrigin(request("POST", { origin: PUBLIC_URL }), PUBLIC_URL).allowed).toBe(true);
    expect(
      checkSameOrigin(request("POST", { origin: "http://10.0.0.5:3000" }), PUBLIC_URL).allowed,
    ).toBe(true);
  });

  it.each([
    "https://evil.test",
    "https://app.example.com.evil.test",
    "http://app.example.com",
    "https://app.example.com:8443",
    "null",
  ])("refuses Origin %s with a reason naming the expected origin", (origin) => {
    const verdict = checkSameOrigin(
      request("POST", { origin, cookie: "auth_session=x" }),
      PUBLIC_URL,
    );
    expect(verdict).toEqual({
      allowed: false,
      reason: expect.stringContaining(`only from ${PUBLIC_URL}`),
    });
  });

  it("falls back to Sec-Fetch-Site without Origin", () => {
    expect(
      checkSameOrigin(request("POST", { "sec-fetch-site": "same-origin" }), PUBLIC_URL),
    ).toEqual({
      allowed: true,
    });
    for (const site of ["same-site", "cross-site", "none"]) {
      expect(
        checkSameOrigin(request("DELETE", { "sec-fetch-site": site }), PUBLIC_URL),
      ).toMatchObject({
        allowed: false,
      });
    }
  });

  it("lets a server-to-server call without Origin or cookies through, not one with cookies", () => {
    expect(checkSameOrigin(request("POST", { authorization: "Bearer aak_x" }), PUBLIC_URL)).toEqual(
      { allowed: true },
    );
    expect(checkSameOrigin(request("POST", { cookie: "auth_session=x" }), PUBLIC_URL)).toEqual({
      allowed: false,
      reason: expect.stringContaining("no Origin or Sec-Fetch-Site"),
    });
  });
});
