// @agent-access/backend: the Node SDK an app's backend uses to mint agent_access tickets after
// its own authorization checks. Uses the global fetch; no dependencies.

/** An error answer of the Agent Access API, or a failure to reach it (status 0). */
export class AgentAccessError extends Error {
  override name = "AgentAccessError";
  constructor(
    /** The HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    /** The API's error code, e.g. "unauthorized", "unprocessable_request". */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

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

export type SessionType = "static" | "signin";

export interface CreateAgentAccessTicket {
  /** The agents the session may use. */
  agentIds: string[];
  /** "static": your backend names the context group; "signin": it follows the signed-in user. */
  sessionType: SessionType;
  /** Required for static sessions (e.g. `workspace:42:user:7`), refused for signin ones. */
  contextGroup?: string;
  /** Lifetime in seconds, 30 to 86400. Default 1800. */
  expiresIn?: number;
  /**
   * A label for people, at most 120 characters: who and what the session is for (e.g.
   * "Acme · Ada Lovelace"). The vanity page shows it. Default none.
   */
  displayName?: string;
  /**
   * Host context for the agents: a JSON object of at most 8 KB (user name, role, plan, locale,
   * the workspace's name). Agents read it in their instructions and tools; the browser can read
   * it but never change it. Default none.
   */
  context?: Record<string, unknown>;
}

export interface AgentAccessTicket {
  /** The ticket, to hand to the browser once. */
  ticket: string;
  /** When it expires, in epoch milliseconds; the agent session ends then too. */
  expiresAt: number;
  /** The vanity page that opens the agent with this ticket. */
  url: string;
}

interface TicketResponse {
  ticket: string;
  expires_at: number;
  url: string;
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

  /** POSTs JSON to an API path (e.g. "/session/tickets") and returns the JSON answer. */
  async post<T>(path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path.startsWith("/") ? path : `/${path}`}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new AgentAccessError(
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
      throw new AgentAccessError(
        response.status,
        error?.code ?? "http_error",
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return json as T;
  }

  /** Tickets. */
  readonly tickets = {
    /** Mints a short-lived agent_access ticket. Call it only after your own authorization checks. */
    createAgentAccess: async (input: CreateAgentAccessTicket): Promise<AgentAccessTicket> => {
      const answer = await this.post<TicketResponse>("/session/tickets", {
        ticket_type: "agent_access",
        agent_ids: input.agentIds,
        agent_session_identifier: input.sessionType,
        ...(input.contextGroup === undefined ? {} : { context_group: input.contextGroup }),
        ...(input.expiresIn === undefined ? {} : { expires_in: input.expiresIn }),
        ...(input.displayName === undefined ? {} : { display_name: input.displayName }),
        ...(input.context === undefined ? {} : { context: input.context }),
      });
      return { ticket: answer.ticket, expiresAt: answer.expires_at, url: answer.url };
    },
  };
}
