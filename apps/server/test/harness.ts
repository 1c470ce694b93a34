// Test harness: the real app on a random port over real HTTP, with an in-memory database and a
// controllable clock, plus a small cookie-keeping client for flows where cookies are the point.
import type { AddressInfo } from "node:net";
import { type Db, migrate, openDatabase } from "@agent-access/db";
import { serve } from "@hono/node-server";
import { type AppOptions, createApp } from "../src/app.ts";

export interface TestServer {
  url: string;
  db: Db;
  clock: { now: number; advance(ms: number): void };
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<AppOptions> = {}): Promise<TestServer> {
  const db = options.db ?? openDatabase(":memory:");
  migrate(db);
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  let url = "";
  const app = createApp({
    db,
    now: () => clock.now,
    onInternalError: () => {},
    ...options,
    config: { publicUrl: options.config?.publicUrl ?? "http://localhost" },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    db,
    clock,
    close: () =>
      new Promise((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => {
          if (!options.db) db.close();
          resolve();
        });
      }),
  };
}

/** fetch with a cookie jar: Set-Cookie answers are kept and sent back, as a browser would. */
export class CookieClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    readonly origin = baseUrl,
  ) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set(
        "cookie",
        [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      );
    }
    if (!headers.has("origin")) headers.set("origin", this.origin);
    const response = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (value === "" || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /** Calls a tRPC query over GET. */
  query(procedure: string, input?: unknown): Promise<Response> {
    const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.fetch(`/trpc/${procedure}${search}`);
  }

  /** Calls a tRPC mutation over POST with a JSON body. */
  mutation(procedure: string, input?: unknown): Promise<Response> {
    return this.fetch(`/trpc/${procedure}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: input === undefined ? undefined : JSON.stringify(input),
    });
  }
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
  password: string;
}

let userCount = 0;

/** Signs a new user up through the API; `client` keeps their session cookie. */
export async function signUp(
  client: CookieClient,
  user: Partial<TestUser> = {},
): Promise<TestUser> {
  userCount += 1;
  const input = {
    email: user.email ?? `user${userCount}@example.com`,
    name: user.name ?? `User ${userCount}`,
    password: user.password ?? "a long enough password",
  };
  const response = await client.mutation("auth.signUp", input);
  if (response.status !== 200) {
    throw new Error(`sign-up failed with ${response.status}: ${await response.text()}`);
  }
  const { user: created } = await trpcData<{ user: { id: string } }>(response);
  return { ...input, id: created.id };
}

/** The data of a successful tRPC answer. */
export async function trpcData<T>(response: Response): Promise<T> {
  const body = (await response.json()) as { result: { data: T } };
  return body.result.data;
}

export interface TrpcErrorBody {
  error: {
    message: string;
    data: {
      code: string;
      httpStatus: number;
      zodError: { formErrors: string[]; fieldErrors: Record<string, string[]> } | null;
    };
  };
}

/** The error of a failed tRPC answer. */
export async function trpcError(response: Response): Promise<TrpcErrorBody["error"]> {
  return ((await response.json()) as TrpcErrorBody).error;
}
