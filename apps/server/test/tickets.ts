// Tickets minted over REST as a backend mints them (POST /session/tickets with an API key), for
// any server a test reaches by URL: the in-process test server (harness.ts) or a child process
// (server-process.ts). The one place tests spell the ticket request.
import { TEST_AGENT } from "@agent-access/agents/testing";

/** What a backend gets for a minted ticket. */
export interface MintedTicket {
  ticket: string;
  expires_at: number;
  /** The vanity page with the ticket. */
  url: string;
  /** The group it was minted for. */
  contextGroup: string;
}

/** POSTs a ticket request to the REST route as a backend would; the answer as it came. */
export function postTicket(
  server: { url: string },
  apiKey: string | null,
  body: unknown,
  init: { signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${server.url}/session/tickets`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(apiKey === null ? {} : { authorization: `Bearer ${apiKey}` }),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

/**
 * The request for a static ticket to `contextGroup`, for the framework's test agent unless
 * `extra` names others (`agent_ids`); `extra` adds or overrides fields (`expires_in`,
 * `display_name`, `host_context`...).
 */
export function staticTicketRequest(
  contextGroup: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    ticket_type: "agent_access",
    agent_ids: [TEST_AGENT],
    agent_session_identifier: "static",
    context_group: contextGroup,
    ...extra,
  };
}

/** A static ticket to `contextGroup` minted with `apiKey`; throws with the answer unless 201. */
export async function mintStaticTicket(
  server: { url: string },
  apiKey: string,
  contextGroup: string,
  extra: Record<string, unknown> = {},
): Promise<MintedTicket> {
  const response = await postTicket(server, apiKey, staticTicketRequest(contextGroup, extra));
  if (response.status !== 201) {
    throw new Error(`mint failed: ${response.status} ${await response.text()}`);
  }
  const minted = (await response.json()) as Omit<MintedTicket, "contextGroup">;
  return { ...minted, contextGroup };
}
