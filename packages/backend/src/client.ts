// The client an app's backend holds: one API key, one server, and a typed method per route.
import { errorFor } from "./errors.ts";
import { type Page, PagedList } from "./pages.ts";
import type {
  AgentAccessTicket,
  Context,
  CreateAgentAccessTicket,
  Erasure,
  Feedback,
  GetUsage,
  ListContexts,
  ListFeedback,
  ListMessages,
  Message,
  UsageReport,
} from "./types.ts";
import {
  toContext,
  toErasure,
  toFeedback,
  toMessage,
  toUsage,
  uiWire,
  type WireContext,
  type WireErasure,
  type WireFeedback,
  type WireMessage,
  type WireUsage,
} from "./wire.ts";

export interface AgentAccessClientOptions {
  /** A backend API key (`pnpm cli api-key create`). Keep it on the server. */
  apiKey: string;
  /** Where the Agent Access server runs, e.g. "https://app.example.com". */
  baseUrl: string;
  /** The fetch to use. Default: the global fetch. */
  fetch?: typeof fetch;
  /** Give up on a request after this many ms. Default 10000. */
  timeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

function search(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function isoTime(value: Date | number | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

export class AgentAccessClient {
  readonly #apiKey: string;
  readonly #baseUrl: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(options: AgentAccessClientOptions) {
    if (!options.apiKey) throw new TypeError("AgentAccessClient needs an apiKey");
    this.#apiKey = options.apiKey;
    this.#baseUrl = new URL(options.baseUrl).href.replace(/\/$/, "");
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Calls an API path (e.g. "/v1/contexts?…") and returns the JSON answer; an error answer
   * throws the AgentAccessError subclass of its status.
   */
  async request<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path.startsWith("/") ? path : `/${path}`}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw errorFor(
        0,
        "network_error",
        `could not reach ${this.#baseUrl}: ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw errorFor(
        response.status,
        error?.code ?? "http_error",
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return json as T;
  }

  /** POSTs JSON to an API path (e.g. "/session/tickets") and returns the JSON answer. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, body);
  }

  /** Tickets. Needs a key of scope `tickets` or `all`. */
  readonly tickets = {
    /** Mints a short-lived agent_access ticket. Call it only after your own authorization checks. */
    createAgentAccess: async (input: CreateAgentAccessTicket): Promise<AgentAccessTicket> => {
      const answer = await this.post<{ ticket: string; expires_at: number; url: string }>(
        "/session/tickets",
        {
          ticket_type: "agent_access",
          agent_ids: input.agentIds,
          agent_session_identifier: input.sessionType,
          ...(input.contextGroup === undefined ? {} : { context_group: input.contextGroup }),
          ...(input.expiresIn === undefined ? {} : { expires_in: input.expiresIn }),
          ...(input.context === undefined ? {} : { context: input.context }),
          ...(input.displayName === undefined ? {} : { display_name: input.displayName }),
          ...(input.ui === undefined ? {} : { ui: uiWire(input.ui) }),
          ...(input.returnUrl === undefined ? {} : { return_url: input.returnUrl }),
        },
      );
      return { ticket: answer.ticket, expiresAt: answer.expires_at, url: answer.url };
    },
  };

  #contextPage(input: ListContexts, cursor: string | undefined): Promise<Page<Context>> {
    return this.request<{ data: WireContext[]; next_cursor: string | null }>(
      "GET",
      `/v1/contexts${search({
        context_group: input.contextGroup,
        cursor,
        limit: input.limit,
        status: input.status,
        agent_id: input.agentId,
      })}`,
    ).then((answer) => ({
      data: answer.data.map(toContext),
      hasMore: answer.next_cursor !== null,
      nextCursor: answer.next_cursor,
      next: async () =>
        answer.next_cursor === null ? null : this.#contextPage(input, answer.next_cursor),
    }));
  }

  #messagePage(contextId: string, input: ListMessages, before?: string): Promise<Page<Message>> {
    return this.request<{ data: WireMessage[]; has_more: boolean }>(
      "GET",
      `/v1/contexts/${encodeURIComponent(contextId)}/messages${search({ before, limit: input.limit })}`,
    ).then((answer) => {
      const data = answer.data.map(toMessage);
      return {
        data,
        hasMore: answer.has_more,
        next: async () =>
          answer.has_more && data[0] ? this.#messagePage(contextId, input, data[0].id) : null,
      };
    });
  }

  /** A context group's conversations. Reading needs scope `read`, deleting `erase` (or `all`). */
  readonly contexts = {
    /**
     * The group's conversations, newest activity first. `await` it for the first page (its
     * `nextCursor` and `next()` lead on); `for await` it for every context of every page.
     */
    list: (input: ListContexts): PagedList<Context> =>
      new PagedList(() => this.#contextPage(input, input.cursor)),

    /** One conversation; NotFoundError when there is none (or it was deleted). */
    get: async (contextId: string): Promise<Context> =>
      toContext(
        await this.request<WireContext>("GET", `/v1/contexts/${encodeURIComponent(contextId)}`),
      ),

    /**
     * A conversation's messages with their parts. `await` it for the newest page (oldest first
     * within it; `next()` gives the page before); `for await` it for every message from the
     * newest back to the first.
     */
    messages: (contextId: string, input: ListMessages = {}): PagedList<Message> =>
      new PagedList(
        () => this.#messagePage(contextId, input, input.before),
        (page) => [...page.data].reverse(),
      ),

    /**
     * Erases a conversation with its messages, ratings, events, runs and files; a running run is
     * stopped first.
     */
    delete: async (contextId: string): Promise<Erasure> =>
      toErasure(
        await this.request<WireErasure>("DELETE", `/v1/contexts/${encodeURIComponent(contextId)}`),
      ),
  };

  /** Context groups. Needs scope `erase` (or `all`). */
  readonly groups = {
    /**
     * Erases everything of a group: its conversations with their messages, ratings, events, runs
     * and files, its tool grants, its agent sessions and tickets. Running runs are stopped first.
     */
    erase: async (contextGroup: string): Promise<Erasure> =>
      toErasure(
        await this.request<WireErasure>(
          "DELETE",
          `/v1/context-groups/${encodeURIComponent(contextGroup)}`,
        ),
      ),
  };

  #feedbackPage(input: ListFeedback, cursor: string | undefined): Promise<Page<Feedback>> {
    return this.request<{ data: WireFeedback[]; next_cursor: string | null }>(
      "GET",
      `/v1/feedback${search({
        context_group: input.contextGroup,
        context_id: input.contextId,
        rating: input.rating,
        cursor,
        limit: input.limit,
      })}`,
    ).then((answer) => ({
      data: answer.data.map(toFeedback),
      hasMore: answer.next_cursor !== null,
      nextCursor: answer.next_cursor,
      next: async () =>
        answer.next_cursor === null ? null : this.#feedbackPage(input, answer.next_cursor),
    }));
  }

  /** Users' ratings of replies (Good or Bad response). Needs scope `read` (or `all`). */
  readonly feedback = {
    /**
     * A group's ratings, newest change first, optionally of one conversation or one rating.
     * `await` it for the first page; `for await` it for every rating of every page.
     */
    list: (input: ListFeedback): PagedList<Feedback> =>
      new PagedList(() => this.#feedbackPage(input, input.cursor)),
  };

  /** Metering. Needs scope `read` (or `all`). */
  readonly usage = {
    /** Runs, tokens and tool calls per UTC day or per agent, for one group or all. */
    get: async (input: GetUsage = {}): Promise<UsageReport> =>
      toUsage(
        await this.request<WireUsage>(
          "GET",
          `/v1/usage${search({
            context_group: input.contextGroup,
            from: isoTime(input.from),
            to: isoTime(input.to),
            group_by: input.groupBy,
          })}`,
        ),
      ),
  };
}
