// Framing: the vanity page may be framed by FRAME_ANCESTORS' origins and nothing else, and only
// then is the agent session cookie partitioned (SameSite=None; Secure; Partitioned), so that the
// session works in a cross-site frame. The same-origin check on mutations stays as it was.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient, startTestServer, staticTicket, type TestServer } from "../test/harness.ts";

const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), "aa-web-"));
fs.writeFileSync(path.join(webRoot, "index.html"), "<!doctype html><title>Agent Access</title>");
fs.writeFileSync(path.join(webRoot, "vanity.html"), "<!doctype html><title>Agent</title>");

const HOST_APP = "https://app.example.com";

let framed: TestServer;
let plain: TestServer;
beforeAll(async () => {
  framed = await startTestServer({
    webRoot,
    config: { publicUrl: "https://agents.example.com", frameAncestors: [HOST_APP] },
  });
  plain = await startTestServer({ webRoot, config: { publicUrl: "https://agents.example.com" } });
});
afterAll(async () => {
  await framed.close();
  await plain.close();
});

function frameAncestors(response: Response): string | undefined {
  return response.headers
    .get("content-security-policy")
    ?.split(";")
    .map((directive) => directive.trim())
    .find((directive) => directive.startsWith("frame-ancestors"));
}

/** The Set-Cookie of a ticket's exchange, from a browser on the server's own origin. */
async function exchangeCookie(server: TestServer): Promise<string> {
  const { ticket } = await staticTicket(server);
  const response = await new CookieClient(server.url, "https://agents.example.com").mutation(
    "session.exchange",
    { ticket },
  );
  expect(response.status).toBe(200);
  return response.headers.get("set-cookie") ?? "";
}

describe("with FRAME_ANCESTORS", () => {
  it("lets its origins frame the vanity page, and only the vanity page", async () => {
    const vanity = await fetch(`${framed.url}/vanity/agents`);
    expect(frameAncestors(vanity)).toBe(`frame-ancestors 'self' ${HOST_APP}`);
    expect(vanity.headers.get("x-frame-options")).toBeNull();
    const app = await fetch(`${framed.url}/app`);
    expect(frameAncestors(app)).toBe("frame-ancestors 'self'");
    expect(app.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("sets a partitioned SameSite=None; Secure session cookie, and clears it the same way", async () => {
    const cookie = await exchangeCookie(framed);
    expect(cookie).toMatch(/^agent_session=aas_/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=None");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("Partitioned");
    expect(cookie).not.toContain("SameSite=Lax");

    const browser = new CookieClient(framed.url, "https://agents.example.com");
    await browser.trpc.session.exchange.mutate({ ticket: (await staticTicket(framed)).ticket });
    const ended = await browser.mutation("session.end");
    expect(ended.headers.get("set-cookie")).toMatch(/^agent_session=;.*Partitioned/);
  });

  it("still refuses a mutation from the framing origin itself (the same-origin check)", async () => {
    const { ticket } = await staticTicket(framed);
    const response = await new CookieClient(framed.url, HOST_APP).mutation("session.exchange", {
      ticket,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
    // The ticket is still unused: the exchange never ran.
    const own = new CookieClient(framed.url, "https://agents.example.com");
    expect((await own.mutation("session.exchange", { ticket })).status).toBe(200);
  });
});

describe("without FRAME_ANCESTORS", () => {
  it("lets no other origin frame any page", async () => {
    for (const route of ["/vanity/agents", "/app"]) {
      const response = await fetch(`${plain.url}${route}`);
      expect(frameAncestors(response)).toBe("frame-ancestors 'self'");
      expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    }
  });

  it("keeps the session cookie SameSite=Lax and unpartitioned", async () => {
    const cookie = await exchangeCookie(plain);
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Partitioned");
    expect(cookie).not.toContain("SameSite=None");
  });
});
