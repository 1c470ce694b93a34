// The re-check of open event streams' agent sessions at scale (packages/api stream-sessions.ts):
// one look-up per server per interval for every session with a stream open, fanned out to the
// streams. Many streams of several sessions: when one session ends (expired, ended, signed out)
// its streams end with UNAUTHORIZED and the others stay open and keep streaming; and while they
// are open, the re-check reads exactly the open sessions in one statement per round, never one
// per stream.
import { observeQueries } from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  CookieClient,
  openEvents,
  signinBrowser,
  startTestServer,
  staticTicket,
  type TestServer,
} from "../test/harness.ts";

const GROUP = "tenant:acme:user:12";
const STREAMS_PER_SESSION = 3;

let server: TestServer;
/** The statements that read agent or sign-in sessions, as run on the server's database. */
let reads: { sql: string; parameters: readonly unknown[] }[] = [];
let stopObserving = () => {};

type Stream = Awaited<ReturnType<typeof openEvents>>;

interface Session {
  browser: CookieClient;
  sessionId: string;
  contextId: string;
  streams: Stream[];
}

describeEachDialect("the shared session re-check of open event streams", () => {
  beforeAll(async () => {
    server = await startTestServer({ config: { streamSessionCheckMs: 20 } });
    stopObserving = observeQueries(server.db, (query) => {
      if (/agent_session|auth_session/.test(query.sql)) {
        reads.push({ sql: query.sql, parameters: query.parameters });
      }
    });
  });
  afterAll(async () => {
    stopObserving();
    await server.close();
  });

  /** A static session whose ticket (and so the session) lasts `expiresIn` seconds. */
  async function staticSession(
    expiresIn?: number,
  ): Promise<Omit<Session, "contextId" | "streams">> {
    const minted = await staticTicket(server, GROUP, expiresIn ? { expires_in: expiresIn } : {});
    const browser = new CookieClient(server.url);
    const { sessionId } = await browser.trpc.session.exchange.mutate({ ticket: minted.ticket });
    return { browser, sessionId };
  }

  /** A signin session of a freshly signed-up user. */
  async function signinSession(): Promise<Omit<Session, "contextId" | "streams">> {
    return await signinBrowser(server);
  }

  /** A conversation of the session with its streams open and idle. */
  async function following(session: Omit<Session, "contextId" | "streams">): Promise<Session> {
    const { context } = await session.browser.trpc.context.create.mutate({ title: "Followed" });
    const streams: Stream[] = [];
    for (let i = 0; i < STREAMS_PER_SESSION; i++) {
      const stream = await openEvents(session.browser, context.id);
      expect(stream.status).toBe(200);
      streams.push(stream);
    }
    return { ...session, contextId: context.id, streams };
  }

  /**
   * Waits for `count` more rounds of the re-check and checks what each read: one statement with
   * one parameter, the ids of exactly the sessions whose streams are open (`open`), each once.
   * Nothing else reads sessions meanwhile: the streams are idle and no request is made.
   */
  async function rounds(count: number, open: Session[]): Promise<void> {
    const seen = reads.length;
    await expect.poll(() => reads.length - seen, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
    const ids = open.map((session) => session.sessionId).sort();
    for (const read of reads.slice(seen)) {
      expect(read.parameters).toHaveLength(1);
      expect((JSON.parse(String(read.parameters[0])) as string[]).sort()).toEqual(ids);
    }
  }

  /** Every stream of the session ends refused (events on their way may still arrive first). */
  async function refused(session: Session): Promise<void> {
    for (const stream of session.streams) {
      const drained = (async () => {
        while (await stream.next(10_000)) {}
        return "ended without a refusal";
      })();
      await expect(drained).rejects.toThrow(/UNAUTHORIZED/);
      stream.close();
    }
  }

  /** A turn in the session's conversation reaches every one of its streams. */
  async function stillStreaming(session: Session): Promise<void> {
    await session.browser.trpc.context.send.mutate({
      contextId: session.contextId,
      text: "How healthy are my webhooks?",
    });
    for (const stream of session.streams) {
      const seen = await stream.until("run.finished");
      expect(seen.at(-1)?.data).toMatchObject({ type: "run.finished", status: "completed" });
    }
  }

  it("ends only the streams of a session that ended, expired or was signed out", async () => {
    // Sign-ups are limited per IP: start with a full bucket.
    server.clock.advance(5 * 60_000);
    const expiring = await following(await staticSession(60));
    const ending = await following(await staticSession());
    const signedOut = await following(await signinSession());
    const kept = await following(await staticSession());
    const all = [expiring, ending, signedOut, kept];
    await expect.poll(() => server.openStreams()).toBe(all.length * STREAMS_PER_SESSION);

    // Expired: only its session's ticket said 60 s.
    await rounds(2, all);
    server.clock.advance(61_000);
    await refused(expiring);
    await rounds(2, [ending, signedOut, kept]);
    expect(server.openStreams()).toBe(3 * STREAMS_PER_SESSION);

    await ending.browser.trpc.session.end.mutate();
    await refused(ending);
    await rounds(2, [signedOut, kept]);
    expect(server.openStreams()).toBe(2 * STREAMS_PER_SESSION);

    await signedOut.browser.trpc.auth.signOut.mutate();
    await refused(signedOut);
    await rounds(2, [kept]);
    expect(server.openStreams()).toBe(STREAMS_PER_SESSION);

    // The session that lives on still streams, on every one of its streams.
    await stillStreaming(kept);
    for (const stream of kept.streams) stream.close();
    await expect.poll(() => server.openStreams()).toBe(0);
  });

  it("reads every open session in one statement per round, not one per stream", async () => {
    server.clock.advance(5 * 60_000);
    const sessions = [
      await following(await staticSession()),
      await following(await staticSession()),
      await following(await signinSession()),
    ];
    await expect.poll(() => server.openStreams()).toBe(sessions.length * STREAMS_PER_SESSION);

    await rounds(5, sessions);

    for (const session of sessions) for (const stream of session.streams) stream.close();
    await expect.poll(() => server.openStreams()).toBe(0);
    // No stream open: no re-check.
    await new Promise((resolve) => setTimeout(resolve, 100));
    reads = [];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads).toEqual([]);
  });
});
