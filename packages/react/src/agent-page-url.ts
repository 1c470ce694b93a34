// The address of the ready-made agent page (the vanity page) for the session the browser already
// holds: for a "full page" link beside a custom chat. Opening it starts no exchange, so the
// custom chat's session, and everything typed into it, stays live in both places.

export interface AgentPageUrlOptions {
  /** Origin of the Agent Access server, as given to AgentAccessProvider. Default "": this one. */
  baseUrl?: string;
  /** A conversation to open first. Default: the most recent one. */
  contextId?: string;
}

/** `/vanity/agents` (with `?context=` when given) on the server. */
export function agentPageUrl(options: AgentPageUrlOptions = {}): string {
  const base = (options.baseUrl ?? "").replace(/\/+$/, "");
  const query = options.contextId ? `?context=${encodeURIComponent(options.contextId)}` : "";
  return `${base}/vanity/agents${query}`;
}
