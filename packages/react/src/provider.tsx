// AgentAccessProvider: the tRPC client (HTTP batches for queries and mutations, server-sent
// events for context streams, cookies included), a QueryClient, and the shared session state.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createContext, type ReactNode, useContext, useState } from "react";
import { SessionController } from "./session-controller.ts";
import { sessionLink } from "./session-link.ts";
import { retryUnlessRefused, trpc } from "./trpc.ts";

type SubscriptionLinkOptions = Parameters<typeof httpSubscriptionLink>[0];

/** Props of AgentAccessProvider. All are read once, when the provider mounts. */
export interface AgentAccessProviderProps {
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
  children: ReactNode;
}

const ControllerContext = createContext<SessionController | null>(null);

/** The provider's shared session state; throws outside AgentAccessProvider. */
export function useSessionController(): SessionController {
  const controller = useContext(ControllerContext);
  if (!controller) {
    throw new Error("Agent Access hooks must be used inside <AgentAccessProvider>.");
  }
  return controller;
}

function createDefaultQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: retryUnlessRefused }, mutations: { retry: false } },
  });
}

function createController(props: AgentAccessProviderProps): SessionController {
  const url = `${(props.baseUrl ?? "").replace(/\/+$/, "")}/trpc`;
  const controller = new SessionController(url, props.queryClient ?? createDefaultQueryClient());
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

/**
 * Makes the Agent Access hooks work below it: one tRPC client and one agent session state for
 * the tree. Put it once near the root of the part of the app that talks to agents.
 */
export function AgentAccessProvider(props: AgentAccessProviderProps) {
  const [controller] = useState(() => createController(props));
  return (
    <trpc.Provider client={controller.client} queryClient={controller.queryClient}>
      <QueryClientProvider client={controller.queryClient}>
        <ControllerContext value={controller}>{props.children}</ControllerContext>
      </QueryClientProvider>
    </trpc.Provider>
  );
}
