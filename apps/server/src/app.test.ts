import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieClient, startTestServer, type TestServer } from "../test/harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("HTTP surface", () => {
  it("answers /healthz with the schema version", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", schemaVersion: expect.any(Number) });
  });

  it("answers the health query through tRPC as plain JSON", async () => {
    const client = new CookieClient(server.url);
    const response = await client.query("health");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      result: { data: { status: "ok", schemaVersion: expect.any(Number), time: server.clock.now } },
    });
  });

  it("answers an unknown procedure with 404 and a tRPC error body", async () => {
    const response = await fetch(`${server.url}/trpc/nope`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { data: { code: string } } };
    expect(body.error.data.code).toBe("NOT_FOUND");
  });
});
