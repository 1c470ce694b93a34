// The state behind the hooks that is shared by every component under one AgentAccessProvider:
// the tRPC client, exchanges in flight, the app's ticket source for re-issue, and the agent the
// user picked. Hooks read it through useSyncExternalStore.
import { QueryClient } from "@tanstack/react-query";
import { httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCQueryUtils, getQueryKey } from "@trpc/react-query";
import { sessionLink } from "./session-link.ts";
import { type AgentAccessTRPCClient, retryUnlessRefused, toError, trpc } from "./trpc.ts";
import type { AgentSessionInfo } from "./types.ts";

/** What hooks render from; replaced whole on every change. */
export interface SessionSnapshot {
  /** Bumps after every successful exchange: requests and streams of an older epoch are stale. */
  epoch: number;
  /** Tickets obtained from the app's `getTicket` and exchanged. */
  ticketsIssued: number;
  reissuing: boolean;
  /** Why the last re-issue failed (getTicket threw, or the exchange was refused). */
  reissueError: Error | null;
  /** The agent picked with setActiveAgent, by id; null for the session's first agent. */
  activeAgentId: string | null;
}

/**
 * The session state of one AgentAccessProvider: its tRPC client and QueryClient, exchanges in
 * flight, re-issue through the app's getTicket, and the active agent.
 */
export class SessionController {
  readonly url: string;
  readonly queryClient: QueryClient;
  #client: AgentAccessTRPCClient | null = null;
  #snapshot: SessionSnapshot = {
    epoch: 0,
    ticketsIssued: 0,
    reissuing: false,
    reissueError: null,
    activeAgentId: null,
  };
  #listeners = new Set<() => void>();
  #exchanging = new Set<Promise<unknown>>();
  #getTicket: (() => Promise<string>) | null = null;
  #reissue: Promise<boolean> | null = null;
  /**
   * Whether the server has honoured the session since the last re-issue. A re-issued session
   * that is refused before any request succeeds means re-issuing does not help (a browser that
   * drops the cookie, tickets the server will not accept): give up rather than loop on getTicket.
   */
  #proven = true;
  /**
   * The agent session this page works in (its public id). Sent with every request, so that once
   * another tab's exchange replaces the browser's cookie, this page is refused instead of
   * silently working in the newer session (possibly another group).
   */
  #boundSessionId: string | null = null;

  /** The fetch for the attachment routes when not the browser's XMLHttpRequest (tests). */
  fetch: typeof globalThis.fetch | null = null;

  constructor(url: string, queryClient: QueryClient) {
    this.url = url;
    this.queryClient = queryClient;
  }

  /** The server's base URL ("" for this origin): tRPC's URL without its /trpc. */
  get baseUrl(): string {
    return this.url.replace(/\/trpc$/, "");
  }

  /** The client is made after the controller, because its links call back into it. */
  set client(client: AgentAccessTRPCClient) {
    this.#client = client;
  }

  get client(): AgentAccessTRPCClient {
    if (!this.#client) throw new Error("SessionController used before its client was set");
    return this.#client;
  }

  get epoch(): number {
    return this.#snapshot.epoch;
  }

  /** The agent session requests are bound to, if one is known yet. */
  get boundSessionId(): string | null {
    return this.#boundSessionId;
  }

  /**
   * Binds the page to a session it learned of without exchanging (a reload reading the cookie's
   * session). An exchange always rebinds; a session read later never overrides a binding.
   */
  adopt(sessionId: string): void {
    this.#boundSessionId ??= sessionId;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.#snapshot;

  #update(change: Partial<SessionSnapshot>): void {
    this.#snapshot = { ...this.#snapshot, ...change };
    for (const listener of this.#listeners) listener();
  }

  setActiveAgentId(agentId: string | null): void {
    if (agentId !== this.#snapshot.activeAgentId) this.#update({ activeAgentId: agentId });
  }

  /**
   * Resolves once no exchange is in flight. Requests wait for it so that none leaves with the
   * cookie of a session that is being replaced (and fails for it).
   */
  async settled(): Promise<void> {
    while (this.#exchanging.size > 0) {
      await Promise.allSettled(this.#exchanging);
    }
  }

  /**
   * Trades a ticket for an agent session (the server sets the cookie), stores the session where
   * `session.current` reads it, and marks everything read under the old session stale.
   * `confirmReplace`: the user (or the app, for a ticket it minted itself) chose to replace a
   * live session of another context group; without it the server refuses with CONFLICT.
   */
  exchange(ticket: string, options: { confirmReplace?: boolean } = {}): Promise<AgentSessionInfo> {
    const run = (async () => {
      const session = await this.client.session.exchange.mutate({ ticket, ...options });
      this.#boundSessionId = session.sessionId;
      createTRPCQueryUtils({
        client: this.client,
        queryClient: this.queryClient,
      }).session.current.setData(undefined, session);
      this.#update({ epoch: this.#snapshot.epoch + 1 });
      // The new session may be another group's: nothing listed under the old one is known good.
      void this.queryClient.invalidateQueries({ queryKey: getQueryKey(trpc.context) });
      return session;
    })();
    this.#exchanging.add(run);
    void run.then(
      () => this.#exchanging.delete(run),
      () => this.#exchanging.delete(run),
    );
    return run;
  }

  /** Registers the app's ticket source (useAgentSession({ getTicket })); returns the undo. */
  setTicketSource(getTicket: () => Promise<string>): () => void {
    this.#getTicket = getTicket;
    return () => {
      if (this.#getTicket === getTicket) this.#getTicket = null;
    };
  }

  /**
   * Gets a new ticket from the app and exchanges it; concurrent callers share one attempt.
   * Resolves true when a new session is in place.
   */
  reissue(): Promise<boolean> {
    const getTicket = this.#getTicket;
    if (!getTicket) return Promise.resolve(false);
    this.#reissue ??= (async () => {
      this.#update({ reissuing: true, reissueError: null });
      try {
        // The app's own getTicket minted it for this page: no link planted it.
        await this.exchange(await getTicket(), { confirmReplace: true });
        this.#proven = false;
        this.#update({
          reissuing: false,
          ticketsIssued: this.#snapshot.ticketsIssued + 1,
        });
        return true;
      } catch (error) {
        this.#update({ reissuing: false, reissueError: toError(error) });
        return false;
      } finally {
        this.#reissue = null;
      }
    })();
    return this.#reissue;
  }

  /** A request that needs the session succeeded: the session works. */
  noteHonoured(): void {
    this.#proven = true;
  }

  /** Whether a refusal now should lead to a new ticket (see `#proven`). */
  get mayReissue(): boolean {
    return this.#getTicket !== null && this.#proven;
  }

  /**
   * Called when a request sent in `sentEpoch` was refused for want of a session. Resolves true
   * when the request is worth sending again: the session changed since it left, or a new one
   * was issued now. Without a ticket source, the session is simply gone: `session.current` is
   * refetched so that the UI shows it.
   */
  async recover(sentEpoch: number): Promise<boolean> {
    if (this.#snapshot.epoch !== sentEpoch) return true;
    if (this.#reissue) return this.#reissue;
    if (!this.mayReissue) {
      void this.queryClient.invalidateQueries({ queryKey: getQueryKey(trpc.session.current) });
      return false;
    }
    return this.reissue();
  }
}

type SubscriptionLinkOptions = Parameters<typeof httpSubscriptionLink>[0];

/** How the controller talks to the server: the props of AgentAccessProvider. */
export interface SessionControllerOptions {
  /**
   * Origin of the Agent Access server, such as "https://agents.example.com". Default "": the
   * page's own origin (the vanity page, or an app that proxies `/trpc` to the server).
   */
  baseUrl?: string;
  /** The app's own QueryClient, to share one cache. Default: a new one for this provider. */
  queryClient?: QueryClient;
  /**
   * The fetch used for queries and mutations. Default: the global fetch, with
   * `credentials: "include"`. Hosts without a browser's cookie jar (tests, React Native) pass
   * one that keeps cookies.
   */
  fetch?: typeof globalThis.fetch;
  /**
   * The EventSource used for context streams, opened with `withCredentials: true`. Default: the
   * global EventSource. Hosts without one pass a ponyfill such as the `eventsource` package.
   */
  EventSource?: SubscriptionLinkOptions["EventSource"];
}

function createDefaultQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: retryUnlessRefused }, mutations: { retry: false } },
  });
}

/**
 * A SessionController with its tRPC client: HTTP batches for queries and mutations (cookies
 * included, bound to the page's session by a header), server-sent events for context streams.
 */
export function createSessionController(props: SessionControllerOptions = {}): SessionController {
  const url = `${(props.baseUrl ?? "").replace(/\/+$/, "")}/trpc`;
  const controller = new SessionController(url, props.queryClient ?? createDefaultQueryClient());
  controller.fetch = props.fetch ?? null;
  const fetchWithCookies: typeof globalThis.fetch = (input, init) =>
    (props.fetch ?? globalThis.fetch)(input, { ...init, credentials: "include" });
  controller.client = trpc.createClient({
    links: [
      sessionLink(controller),
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          EventSource: props.EventSource,
          eventSourceOptions: { withCredentials: true },
          // An EventSource cannot send headers: the binding travels as a connection parameter.
          connectionParams: () => {
            const sessionId = controller.boundSessionId;
            return sessionId ? { agentSession: sessionId } : null;
          },
        }),
        false: httpBatchLink({
          url,
          fetch: fetchWithCookies,
          headers: () => {
            const sessionId = controller.boundSessionId;
            return sessionId ? { "x-agent-session": sessionId } : {};
          },
        }),
      }),
    ],
  });
  return controller;
}
