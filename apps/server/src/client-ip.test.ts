import { describe, expect, it } from "vitest";
import { clientIp } from "./client-ip.ts";

describe("clientIp", () => {
  it("uses the socket's address and ignores X-Forwarded-For unless a proxy is trusted", () => {
    expect(clientIp("10.0.0.2", "203.0.113.9", false)).toBe("10.0.0.2");
    expect(clientIp(undefined, null, false)).toBe("unknown");
  });

  it("behind a trusted proxy, takes the address the proxy saw, not what the client claimed", () => {
    expect(clientIp("10.0.0.2", "1.2.3.4, 203.0.113.9", true)).toBe("203.0.113.9");
    expect(clientIp("10.0.0.2", "203.0.113.9", true)).toBe("203.0.113.9");
    expect(clientIp("10.0.0.2", null, true)).toBe("10.0.0.2");
    expect(clientIp("10.0.0.2", " , ", true)).toBe("10.0.0.2");
  });
});
