// AgentAccessProvider: the tRPC client (HTTP batches for queries and mutations, server-sent
// events for context streams, cookies included), a QueryClient, and the shared session state.
import { QueryClientProvider } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext, useState } from "react";
import {
  createSessionController,
  type SessionController,
  type SessionControllerOptions,
} from "./session-controller.ts";
import { type ToolRenderers, ToolRenderersProvider } from "./tool-renderers.tsx";
import { trpc } from "./trpc.ts";
import type { AgentUi } from "./ui/settings.ts";

/**
 * Props of AgentAccessProvider. All but `ui` and `toolRenderers` are read once, when the
 * provider mounts; those two are followed as they change.
 */
export interface AgentAccessProviderProps extends SessionControllerOptions {
  children: ReactNode;
  /**
   * The app's default UI settings: `{ accentColor, radius, density, colorScheme, locale }`, all
   * optional. A ticket's own `ui` wins field by field (useAgentUi). Default: none.
   */
  ui?: AgentUi;
  /**
   * Components that show a tool's result, by tool name (`{ getWebhookHealth: HealthTable }`),
   * for useToolCall. Default: none (a UI shows the JSON).
   */
  toolRenderers?: ToolRenderers;
}

const ControllerContext = createContext<SessionController | null>(null);
const ProviderUiContext = createContext<AgentUi | undefined>(undefined);

/** The provider's `ui` prop (undefined when none). */
export function useProviderUi(): AgentUi | undefined {
  return useContext(ProviderUiContext);
}

/** The provider's shared session state; throws outside AgentAccessProvider. */
export function useSessionController(): SessionController {
  const controller = useContext(ControllerContext);
  if (!controller) {
    throw new Error("Agent Access hooks must be used inside <AgentAccessProvider>.");
  }
  return controller;
}

/**
 * Makes the Agent Access hooks work below it: one tRPC client and one agent session state for
 * the tree. Put it once near the root of the part of the app that talks to agents.
 */
export function AgentAccessProvider(props: AgentAccessProviderProps) {
  const [controller] = useState(() => createSessionController(props));
  return (
    <trpc.Provider client={controller.client} queryClient={controller.queryClient}>
      <QueryClientProvider client={controller.queryClient}>
        <ControllerContext value={controller}>
          <ProviderUiContext value={props.ui}>
            <ToolRenderersProvider renderers={props.toolRenderers}>
              {props.children}
            </ToolRenderersProvider>
          </ProviderUiContext>
        </ControllerContext>
      </QueryClientProvider>
    </trpc.Provider>
  );
}
