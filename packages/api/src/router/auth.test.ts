// The auth router through a caller: cookies in, Set-Cookie out, without HTTP.
import { createAgentRuntime, createBuiltinModel, defaultAgentRegistry } from "@agent-access/agents";
import { createAuth, TokenBucket } from "@agent-access/auth";
import { type Db, migrate, openDatabase } from "@agent-access/db";
import { TRPCError } from "@trpc/server";
import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CONTEXT_GROUP_PATTERN } from "../context-groups.ts";
import { appRouter } from "../root.ts";
import { type ApiDependencies, createCallerFactory, createContext } from "../trpc.ts";

const DAY = 24 * 60 * 60_000;
let db: Db;
let clock: { now: number };
let deps: ApiDependencies;
beforeEach(() => {
  db = openDatabase(":memory:");
  migrate(db);
  clock = { now: 1_000_000 };
  const now = () => clock.now;
  const config = {
    publicUrl: "http://localhost:5173",
    contextGroupPattern: DEFAULT_CONTEXT_GROUP_PATTERN,
  };
  const agents = defaultAgentRegistry;
  const runtime = createAgentRuntime({ db, agents, model: createBuiltinModel() });
  const exchangeFailures = new TokenBucket({ capacity: 10, refillIntervalMs: 6_000 });
  const auth = createAuth({ db, publicUrl: config.publicUrl, now });
  deps = { db, config, agents, runtime, now, auth, exchangeFailures };
});

/** A caller for one request carrying `cookie`; `resHeaders` shows what it answers with. */
function callerWith(cookie?: string) {
  const resHeaders = new Headers();
  const req = new Request("http://localhost:5173/trpc", {
    headers: cookie ? { cookie } : {},
  });
  const caller = createCallerFactory(appRouter)(createContext(deps, { req, resHeaders }));
  return { caller, resHeaders };
}

const cookieOf = (headers: Headers) => headers.getSetCookie()[0]?.split(";")[0];

describe("auth router", () => {
  it("signs up into a cookie that `me` then accepts; without it `me` says to sign in", async () => {
    const signUp = callerWith();
    const { user } = await signUp.caller.auth.signUp({
      email: "ada@example.com",
      name: "Ada",
      password: "a long enough password",
    });
    const cookie = cookieOf(signUp.resHeaders);
    expect(cookie).toMatch(/^auth_session=/);
    await expect(callerWith(cookie).caller.auth.me()).resolves.toEqual(user);
    await expect(callerWith().caller.auth.me()).rejects.toMatchObject(
      new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" }),
    );
  });

  it("renews a session used past its half-life with a fresh Set-Cookie", async () => {
    const signUp = callerWith();
    await signUp.caller.auth.signUp({
      email: "ada@example.com",
      name: "Ada",
      password: "a long enough password",
    });
    const cookie = cookieOf(signUp.resHeaders);
    clock.now += 16 * DAY;
    const later = callerWith(cookie);
    await later.caller.workspace.list();
    expect(later.resHeaders.getSetCookie()[0]).toMatch(
      /^auth_session=\w+; HttpOnly; Max-Age=2592000/,
    );
  });

  it("never reads the session for procedures that do not need it", async () => {
    const { caller, resHeaders } = callerWith("auth_session=unknown-session");
    await caller.health();
    // A lookup would have found the unknown session and answered with a blank cookie.
    expect(resHeaders.getSetCookie()).toEqual([]);
    await expect(caller.auth.me()).rejects.toThrow("sign in first");
    expect(resHeaders.getSetCookie()[0]).toMatch(/^auth_session=; .*Max-Age=0/);
  });
});
