// What the SDK's methods take and give, in camelCase; the wire is the REST API's snake_case.

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
   * Host context for the agents: a JSON object of at most 8 KB (user name, role, plan, locale,
   * the workspace's name). Agents read it in their instructions and tools; the browser can read
   * it but never change it. Default none.
   */
  context?: Record<string, unknown>;
  /**
   * A label for people, at most 120 characters: who and what the session is for (e.g.
   * "Acme · Ada Lovelace"). The vanity page shows it. Default none.
   */
  displayName?: string;
  /**
   * How the agent UI looks for this user: the vanity page and UIs built on the hooks read it
   * (useAgentUi), over AgentAccessProvider's own `ui`. Every field optional. Default none.
   */
  ui?: AgentUiSettings;
  /**
   * Where "Return to the app" leads: an absolute URL on the host app's origin (the server's
   * PUBLIC_URL or one of its FRAME_ANCESTORS), https, or http on localhost. Default none.
   */
  returnUrl?: string;
}

/** A ticket's UI settings. Unknown fields and values out of range are refused with 400. */
export interface AgentUiSettings {
  /** Accent of buttons, links and focus rings, `#rrggbb`; adjusted to stay readable. */
  accentColor?: string;
  /** Corner radius in CSS pixels, 0 to 24. */
  radius?: number;
  /** Default "comfortable". */
  density?: "comfortable" | "compact";
  /** Default "system": follows the device. */
  colorScheme?: "light" | "dark" | "system";
  /** The UI's language and formats, a BCP 47 tag such as "de" or "fr-CH". */
  locale?: string;
}

export interface AgentAccessTicket {
  /** The ticket, to hand to the browser once. */
  ticket: string;
  /** When it expires, in epoch milliseconds; the agent session ends then too. */
  expiresAt: number;
  /** The vanity page that opens the agent with this ticket. */
  url: string;
}

export type ContextStatus = "idle" | "running" | "waiting_for_approval" | "waiting_for_input";

/** A conversation. Times are epoch milliseconds. */
export interface Context {
  id: string;
  contextGroup: string;
  agentId: string;
  title: string;
  status: ContextStatus;
  createdAt: number;
  updatedAt: number;
  lastActivityAt: number;
}

export interface ListContexts {
  /** The group, e.g. `workspace:42:user:7`; an unknown group simply has no contexts. */
  contextGroup: string;
  /** Page size, 1 to 100. Default 20. */
  limit?: number;
  /** Start after this cursor (a page's `nextCursor`). Default: the first page. */
  cursor?: string;
  status?: ContextStatus;
  agentId?: string;
}

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

export type MessagePart =
  | { type: "text"; text: string }
  | {
      type: "tool-call";
      toolCallId: string;
      toolName: string;
      input: JsonValue;
      state:
        | "running"
        | "awaiting-approval"
        | "awaiting-input"
        | "completed"
        | "denied"
        | "failed"
        | "cancelled";
      output?: JsonValue;
      error?: string;
      question?: string;
    };

export interface Message {
  id: string;
  /** Order within the context, from 1. */
  seq: number;
  role: "user" | "assistant";
  parts: MessagePart[];
  /** The run that wrote an assistant message; null for user messages. */
  runId: string | null;
  createdAt: number;
}

export interface ListMessages {
  /** Page size, 1 to 200. Default 50. */
  limit?: number;
  /** A message id: the page ends just before it. Default: the newest page. */
  before?: string;
}

/** What an erasure removed, and how many running runs it stopped first. */
export interface Erasure {
  erased: {
    contexts: number;
    messages: number;
    events: number;
    runs: number;
    /** Users' ratings of replies. */
    feedback: number;
    toolGrants: number;
    agentSessions: number;
    tickets: number;
    /** Attached files, removed from their store. */
    files: number;
  };
  cancelledRuns: number;
}

/** A user's rating of a reply (an assistant message). Times are epoch milliseconds. */
export interface Feedback {
  messageId: string;
  contextId: string;
  contextGroup: string;
  rating: "good" | "bad";
  /** What the user added, if anything. */
  comment: string | null;
  /** When the reply was first rated. */
  createdAt: number;
  /** When the rating last changed. */
  updatedAt: number;
}

export interface ListFeedback {
  /** The group, e.g. `workspace:42:user:7`. */
  contextGroup: string;
  /** Only this conversation's ratings. */
  contextId?: string;
  rating?: "good" | "bad";
  /** Page size, 1 to 100. Default 50. */
  limit?: number;
  /** Start after this cursor (a page's `nextCursor`). Default: the first page. */
  cursor?: string;
}

export interface GetUsage {
  /** One group. Default: every group. */
  contextGroup?: string;
  /** Runs started at or after. Default: 30 days before `to`. */
  from?: Date | number | string;
  /** Runs started before. Default: now. */
  to?: Date | number | string;
  /** One bucket per UTC day (default) or per agent. */
  groupBy?: "day" | "agent";
}

export interface UsageFigures {
  runs: number;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  toolCalls: number;
}

export interface UsageReport {
  contextGroup: string | null;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  groupBy: "day" | "agent";
  /** `key` is the UTC day (YYYY-MM-DD) or the agent id. */
  buckets: (UsageFigures & { key: string })[];
  totals: UsageFigures;
}
