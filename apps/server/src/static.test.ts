import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../test/harness.ts";

// A stand-in for apps/web/dist, so this test does not depend on a build having run.
const webRoot = fs.mkdtempSync(path.join(os.tmpdir(), "aa-web-"));
fs.writeFileSync(path.join(webRoot, "index.html"), "<!doctype html><title>Agent Access</title>");
fs.writeFileSync(path.join(webRoot, "vanity.html"), "<!doctype html><title>Agent</title>");
fs.mkdirSync(path.join(webRoot, "assets"));
fs.writeFileSync(path.join(webRoot, "assets", "app-abc123.js"), "console.log('app')");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ webRoot });
});
afterAll(() => server.close());

describe("the built web app on the API's port", () => {
  it("serves index.html at / and for the host app's client-side routes", async () => {
    for (const route of ["/", "/app", "/app/w/ws_1"]) {
      const response = await fetch(`${server.url}${route}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("<title>Agent Access</title>");
    }
  });

  it("serves the vanity page's own entry at /vanity/agents, sending no Referer onwards", async () => {
    const response = await fetch(`${server.url}/vanity/agents?ticket=aat_x`);
    expect(response.status).toBe(200);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await response.text()).toContain("<title>Agent</title>");
  });

  it("sends a content security policy that keeps scripts, images and connections on this origin", async () => {
    const response = await fetch(`${server.url}/app`);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("img-src 'self' data:");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'self'");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves hashed assets with a long cache lifetime", async () => {
    const response = await fetch(`${server.url}/assets/app-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(await response.text()).toBe("console.log('app')");
  });

  it("keeps the API answering beside it", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/trpc/health`)).status).toBe(200);
  });
});
