// useAgentSession: turns a ticket into the browser's agent session (once), or reads the session
// the browser already has, and keeps it alive through the app's getTicket when one is given.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { findAgent } from "./choose-agent.ts";
import { useSessionController } from "./provider.tsx";
import type { SessionController } from "./session-controller.ts";
import { retryUnlessRefused, toError, trpc } from "./trpc.ts";
import type { AgentInfo, AgentSessionInfo } from "./types.ts";

/** Where a session comes from: a ticket, or the app's function that mints one. */
export type AgentSessionSource =
  | string
  | null
  | undefined
  | {
      /**
       * Asks the app's backend for a new ticket. Called when the browser has no session, when
       * it is about to expire, and when the server refuses it (expired or replaced).
       */
      getTicket: () => Promise<string>;
    };

/** What useAgentSession returns. */
export interface AgentSessionState {
  /** The browser holds a live agent session. */
  hasSession: boolean;
  /** An exchange, a re-issue or the first read of the session is under way. */
  sessionLoading: boolean;
  /** Why there is no session: the exchange was refused, getTicket failed, or the read failed. */
  sessionError: Error | null;
  /** The agents this session may use. */
  agents: AgentInfo[];
  /** The agent picked with setActiveAgent, else the session's first agent. */
  activeAgent: AgentInfo | null;
  /**
   * Picks the agent for new conversations: the agent itself or its id (a display name is
   * matched too, after every id).
   */
  setActiveAgent: (agent: AgentInfo | string) => void;
  /** The session's partition key, such as "workspace:42:user:7". */
  contextGroup: string | null;
  /** "static" or "signin". */
  sessionType: AgentSessionInfo["sessionType"] | null;
  /** The label the session's ticket was minted with ("Acme · Ada Lovelace"), or null. */
  displayName: string | null;
  /**
   * What the app's backend put in the ticket (user name, workspace name...), read-only: the
   * browser cannot change it. `{}` when the ticket had none; null without a session.
   */
  hostContext: AgentSessionInfo["hostContext"] | null;
  /**
   * The UI settings the app's backend put in the ticket (`ui` at mint: accent colour, radius,
   * density, colour scheme, locale), read-only; `{}` when the ticket had none, null without a
   * session. To render with them merged over the provider's, use useAgentUi.
   */
  ui: AgentSessionInfo["ui"] | null;
  /** Where "Return to the app" should lead (the ticket's `return_url`), or null. */
  returnUrl: string | null;
  /** When the session ends, in epoch milliseconds (the server's clock). */
  expiresAt: number | null;
  /** The ticket given (or, with getTicket, one it returned) has been exchanged. */
  ticketExchanged: boolean;
  /** Reads the session again; retries a failed exchange; with getTicket, issues a new one. */
  refetch: () => Promise<void>;
}

/** Tickets exchanged or being exchanged, per server URL: a ticket is single-use. */
const exchanges = new Map<string, Promise<AgentSessionInfo>>();

/**
 * Exchanges `ticket` unless this page already did. Keyed at module level rather than by a ref,
 * because React StrictMode runs effects twice and may remount the component: only the first
 * call reaches the server and every caller shares its answer.
 */
function exchangeOnce(
  controller: SessionController,
  ticket: string,
  confirmReplace: boolean,
): Promise<AgentSessionInfo> {
  const key = `${controller.url}\n${ticket}`;
  let exchange = exchanges.get(key);
  if (!exchange) {
    exchange = controller.exchange(ticket, { confirmReplace });
    exchanges.set(key, exchange);
  }
  return exchange;
}

function forgetExchange(controller: SessionController, ticket: string): void {
  exchanges.delete(`${controller.url}\n${ticket}`);
}

/** How long before expiry a session is re-issued through getTicket. */
const RENEW_BEFORE_EXPIRY_MS = 5_000;
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

type ExchangeState =
  | { ticket: string; status: "pending" }
  | { ticket: string; status: "done" }
  | { ticket: string; status: "failed"; error: Error };

export interface UseAgentSessionOptions {
  /**
   * Let the ticket replace a live session of another context group. Pass true for a ticket your
   * app minted for this page itself; for a ticket that came in a link, ask the user first
   * (useTicketPreview). Without it such an exchange fails with CONFLICT. Default false.
   */
  replaceSession?: boolean;
}

/**
 * The browser's agent session. Pass the ticket your backend minted (it is exchanged once, also
 * under StrictMode), `{ getTicket }` to have sessions issued and re-issued on demand, or nothing
 * to use the session the browser already holds (such as after a reload).
 */
export function useAgentSession(
  source?: AgentSessionSource,
  options: UseAgentSessionOptions = {},
): AgentSessionState {
  const replaceSession = options.replaceSession ?? false;
  const controller = useSessionController();
  const snapshot = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const ticket = typeof source === "string" ? source : "";
  const getTicket = typeof source === "object" && source !== null ? source.getTicket : null;

  // The latest getTicket, so that an inline arrow function does not re-register every render.
  const getTicketRef = useRef(getTicket);
  useEffect(() => {
    getTicketRef.current = getTicket;
  });
  const hasTicketSource = getTicket !== null;
  useEffect(() => {
    if (!hasTicketSource) return;
    return controller.setTicketSource(() => {
      const current = getTicketRef.current;
      return current ? current() : Promise.reject(new Error("getTicket is no longer available"));
    });
  }, [controller, hasTicketSource]);

  const [exchange, setExchange] = useState<ExchangeState | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!ticket) return;
    let live = true;
    setExchange({ ticket, status: "pending" });
    exchangeOnce(controller, ticket, replaceSession).then(
      () => live && setExchange({ ticket, status: "done" }),
      (error: unknown) => live && setExchange({ ticket, status: "failed", error: toError(error) }),
    );
    return () => {
      live = false;
    };
    // `attempt` re-runs the exchange after refetch() forgot a failed one.
  }, [controller, ticket, attempt, replaceSession]);
  const ticketState: ExchangeState | null = !ticket
    ? null
    : exchange?.ticket === ticket
      ? exchange
      : { ticket, status: "pending" };

  const current = trpc.session.current.useQuery(undefined, {
    // With a ticket, the exchange's answer is the session; reading before it lands would show
    // the browser's previous session (or none).
    enabled: ticketState === null || ticketState.status === "done",
    retry: retryUnlessRefused,
    staleTime: 60_000,
  });
  const session: AgentSessionInfo | null =
    ticketState && ticketState.status !== "done" ? null : (current.data ?? null);
  const sessionId = session?.sessionId ?? null;
  useEffect(() => {
    if (sessionId) controller.adopt(sessionId);
  }, [controller, sessionId]);

  // With getTicket and no session (first visit, or the session ended), issue one. Only while a
  // ticket could help: a new session refused at once is not re-issued in a loop.
  const noSession = ticketState === null && current.isSuccess && current.data === null;
  const willIssue =
    hasTicketSource && noSession && snapshot.reissueError === null && controller.mayReissue;
  useEffect(() => {
    if (willIssue) void controller.reissue();
  }, [controller, willIssue]);

  // Renew shortly before expiry, or notice the end. A delay that is already negative means the
  // browser's clock runs ahead of the server's; the server's refusal then drives the re-issue.
  const expiresAt = session?.expiresAt ?? null;
  const refetchCurrent = current.refetch;
  useEffect(() => {
    if (expiresAt === null) return;
    const delay = expiresAt - Date.now() - (hasTicketSource ? RENEW_BEFORE_EXPIRY_MS : 0);
    if (delay <= 0 || delay > MAX_TIMER_MS) return;
    const timer = setTimeout(() => {
      if (hasTicketSource) void controller.reissue();
      else void refetchCurrent();
    }, delay);
    return () => clearTimeout(timer);
  }, [controller, expiresAt, hasTicketSource, refetchCurrent]);

  const agents = useMemo(() => session?.agents ?? [], [session]);
  const activeAgent =
    agents.find((agent) => agent.id === snapshot.activeAgentId) ?? agents[0] ?? null;
  const setActiveAgent = useCallback(
    (agent: AgentInfo | string) => {
      const found = findAgent(agents, typeof agent === "string" ? agent : agent.id);
      controller.setActiveAgentId(found?.id ?? null);
    },
    [agents, controller],
  );

  const refetch = useCallback(async () => {
    if (ticketState?.status === "failed") {
      forgetExchange(controller, ticketState.ticket);
      setAttempt((count) => count + 1);
      return;
    }
    const { data } = await refetchCurrent();
    if (data === null && hasTicketSource) await controller.reissue();
  }, [controller, hasTicketSource, refetchCurrent, ticketState]);

  return {
    hasSession: session !== null,
    sessionLoading:
      ticketState?.status === "pending" ||
      (ticketState === null && current.isPending) ||
      (session === null && (snapshot.reissuing || willIssue)),
    sessionError:
      ticketState?.status === "failed"
        ? ticketState.error
        : session
          ? null
          : (snapshot.reissueError ?? (current.error ? toError(current.error) : null)),
    agents,
    activeAgent,
    setActiveAgent,
    contextGroup: session?.contextGroup ?? null,
    sessionType: session?.sessionType ?? null,
    displayName: session?.displayName ?? null,
    hostContext: session?.hostContext ?? null,
    ui: session?.ui ?? null,
    returnUrl: session?.returnUrl ?? null,
    expiresAt,
    ticketExchanged: ticketState ? ticketState.status === "done" : snapshot.ticketsIssued > 0,
    refetch,
  };
}

/**
 * Removes `?ticket=` (or another parameter) from the address bar without a reload, so that a
 * reload or a shared link does not offer the single-use ticket again. Call it once
 * `ticketExchanged` is true.
 */
export function clearTicketFromUrl(parameter = "ticket"): void {
  if (typeof window === "undefined") return;
  const url = new URL(window.location.href);
  if (!url.searchParams.has(parameter)) return;
  url.searchParams.delete(parameter);
  window.history.replaceState(window.history.state, "", url);
}
