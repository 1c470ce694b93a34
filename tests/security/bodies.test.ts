// Request bodies are bounded on every door that reads one: a body over the limit is refused with
// 413 while it is still arriving, so no client, signed in or not, can make the server hold an
// unbounded body in memory. Without the limit the server buffers whatever it is sent (a test
// client streamed 256 MiB into /trpc/auth.signIn and got no answer until it stopped).
import http from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  agentBrowser,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../apps/server/test/harness.ts";

/** How much the client is willing to send before concluding that the server reads it all. */
const GIVE_UP_BYTES = 64 * 1024 * 1024;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/**
 * POSTs a body that does not end (chunked, no Content-Length) and resolves with the answer's
 * status and body once the server answers, with how much had been sent by then; or with status
 * null if the client gave up first.
 */
function endlessPost(
  path: string,
): Promise<{ status: number | null; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sentBytes = 0;
    let settled = false;
    const request = http.request(
      `${server.url}${path}`,
      { method: "POST", headers: { "content-type": "application/json" } },
      (response) => {
        settled = true;
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (text: string) => {
          body += text;
        });
        response.on("end", () => {
          resolve({ status: response.statusCode ?? 0, body, sentBytes });
          request.destroy();
        });
      },
    );
    request.on("error", (error) => {
      if (!settled) reject(error);
    });
    const pump = () => {
      while (!settled && sentBytes < GIVE_UP_BYTES) {
        sentBytes += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!settled) {
        settled = true;
        request.destroy();
        resolve({ status: null, body: "", sentBytes });
      }
    };
    pump();
  });
}

it("refuses an endless body to tRPC with 413 while it is still arriving", async () => {
  const answer = await endlessPost("/trpc/auth.signIn");
  expect(answer.status).toBe(413);
  expect(answer.sentBytes).toBeLessThan(GIVE_UP_BYTES);
  expect(JSON.parse(answer.body)).toMatchObject({
    error: { data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } },
  });
});

it("refuses an endless body to POST /session/tickets with 413 while it is still arriving", async () => {
  const answer = await endlessPost("/session/tickets");
  expect(answer.status).toBe(413);
  expect(answer.sentBytes).toBeLessThan(GIVE_UP_BYTES);
  const message = "the body is over 65536 bytes";
  expect(JSON.parse(answer.body)).toEqual({
    error: { code: "payload_too_large", message },
    code: "payload_too_large",
    message,
  });
});

it("refuses a declared Content-Length over the limit before reading the body", async () => {
  const response = await fetch(`${server.url}/trpc/auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "x".repeat(2 * 1024 * 1024),
  });
  expect(response.status).toBe(413);
  // The unread rest of the body closes that connection; the client's next request still works.
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
});

it("leaves room for the largest message a user may send, however it is escaped", async () => {
  const browser = await agentBrowser(server, "workspace:1:user:1");
  // 32,000 characters that JSON escapes as \u0001: about 192 KB on the wire.
  const answer = await trpcResult<{ context: { id: string } }>(
    await browser.mutation("context.create", { firstMessage: "\u0001".repeat(32_000) }),
  );
  expect(answer.status).toBe(200);
});
