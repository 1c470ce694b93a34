// The client side of the benchmarks: plain node:http requests over keep-alive sockets (no
// unlimited fetch machinery between the measurement and the wire), and the few tRPC and REST
// calls that set a benchmark up as a browser and a backend would.
import http from "node:http";
import { TEST_AGENT } from "@agent-access/agents/testing";
import { MAX_BATCH_SIZE } from "@agent-access/api";

/** Keep-alive sockets, as many as the benchmark opens at once. */
export const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: init.method ?? "GET",
        agent,
        headers: {
          ...(init.body === undefined ? {} : { "content-length": Buffer.byteLength(init.body) }),
          ...init.headers,
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** A browser of the app: its agent_session cookie, sent with the Origin of the app. */
export interface Browser {
  url: string;
  cookie: string;
}

function browserHeaders(browser: Browser): Record<string, string> {
  return { origin: browser.url, cookie: browser.cookie, "content-type": "application/json" };
}

function unwrap<T>(answer: Answer, what: string): T {
  const body = JSON.parse(answer.body) as { result?: { data: T } };
  if (answer.status !== 200 || !body.result) {
    throw new Error(`${what} failed: ${answer.status} ${answer.body.slice(0, 300)}`);
  }
  return body.result.data;
}

export async function mutation<T>(browser: Browser, procedure: string, input: unknown) {
  const answer = await request(`${browser.url}/trpc/${procedure}`, {
    method: "POST",
    headers: browserHeaders(browser),
    body: JSON.stringify(input),
  });
  return unwrap<T>(answer, procedure);
}

/**
 * The same mutation many times in batches of `size` (at most the server's MAX_BATCH_SIZE), as
 * httpBatchLink sends them, `parallel` batches at a time.
 */
export async function batchedMutation<T>(
  browser: Browser,
  procedure: string,
  inputs: unknown[],
  size = MAX_BATCH_SIZE,
  parallel = 1,
): Promise<T[]> {
  const batches: unknown[][] = [];
  for (let start = 0; start < inputs.length; start += size) {
    batches.push(inputs.slice(start, start + size));
  }
  const send = async (batch: unknown[]): Promise<T[]> => {
    const body = Object.fromEntries(batch.map((input, index) => [String(index), input]));
    const answer = await request(
      `${browser.url}/trpc/${batch.map(() => procedure).join(",")}?batch=1`,
      { method: "POST", headers: browserHeaders(browser), body: JSON.stringify(body) },
    );
    const items = JSON.parse(answer.body) as { result?: { data: T } }[];
    if (!Array.isArray(items)) throw new Error(`${procedure} failed: ${answer.body.slice(0, 300)}`);
    return items.map((item) => {
      if (!item.result) throw new Error(`${procedure} failed: ${answer.body.slice(0, 300)}`);
      return item.result.data;
    });
  };
  const results: T[] = [];
  for (let start = 0; start < batches.length; start += parallel) {
    const answers = await Promise.all(batches.slice(start, start + parallel).map(send));
    results.push(...answers.flat());
  }
  return results;
}

export const TICKET_REQUEST = {
  ticket_type: "agent_access",
  agent_ids: [TEST_AGENT],
  agent_session_identifier: "static",
  context_group: "workspace:1:user:1",
  expires_in: 1800,
};

/** A backend mints a ticket over REST, a browser exchanges it: the browser's session. */
export async function openBrowser(url: string, apiKey: string): Promise<Browser> {
  const minted = await request(`${url}/session/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(TICKET_REQUEST),
  });
  if (minted.status !== 201) throw new Error(`mint failed: ${minted.status} ${minted.body}`);
  const { ticket } = JSON.parse(minted.body) as { ticket: string };
  const exchanged = await request(`${url}/trpc/session.exchange`, {
    method: "POST",
    headers: { origin: url, "content-type": "application/json" },
    body: JSON.stringify({ ticket }),
  });
  if (exchanged.status !== 200) throw new Error(`exchange failed: ${exchanged.body}`);
  const setCookie = exchanged.headers["set-cookie"]?.[0] ?? "";
  return { url, cookie: setCookie.split(";")[0]! };
}

/** The address of a context's event stream (context.events over SSE). */
export function eventsUrl(browser: Browser, contextId: string): string {
  return `${browser.url}/trpc/context.events?input=${encodeURIComponent(JSON.stringify({ contextId }))}`;
}

export function eventHeaders(browser: Browser): Record<string, string> {
  return { cookie: browser.cookie, accept: "text/event-stream" };
}
