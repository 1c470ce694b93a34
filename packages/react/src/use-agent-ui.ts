// useAgentUi: how the agent UI should look and speak, decided from the session's ticket (`ui` at
// mint) over AgentAccessProvider's `ui` prop over the defaults, with the device's colour scheme
// for "system" and Intl formatters for the locale.
import { useMemo, useSyncExternalStore } from "react";
import { useProviderUi } from "./provider.tsx";
import { trpc } from "./trpc.ts";
import { type AgentFormat, createFormat } from "./ui/format.ts";
import {
  type ColorScheme,
  type ResolvedAgentUi,
  resolveAgentUi,
  themeVariables,
} from "./ui/settings.ts";

/** What useAgentUi returns. */
export interface AgentUiState extends ResolvedAgentUi, AgentFormat {
  /** "light" or "dark": `colorScheme`, with "system" read from the device (and followed live). */
  resolvedColorScheme: ColorScheme;
  /**
   * CSS custom properties for the UI's root element (`style={ui.style}`): `--aa-accent`,
   * `--aa-accent-bright`, `--aa-radius`, for the settings that are set.
   */
  style: Record<`--${string}`, string>;
}

const DARK_QUERY = "(prefers-color-scheme: dark)";

function subscribeToScheme(onChange: () => void): () => void {
  if (typeof window === "undefined" || !window.matchMedia) return () => {};
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}

function deviceScheme(): ColorScheme {
  if (typeof window === "undefined" || !window.matchMedia) return "light";
  return window.matchMedia(DARK_QUERY).matches ? "dark" : "light";
}

/**
 * The UI settings to render with. Reads the session that useAgentSession opened (it starts no
 * request of its own): before there is one, the provider's `ui` and the defaults apply.
 */
export function useAgentUi(): AgentUiState {
  const provider = useProviderUi();
  // Only the cache: useAgentSession decides when the session is read (not before an exchange).
  const session = trpc.session.current.useQuery(undefined, { enabled: false });
  const ticketUi = session.data?.ui ?? null;
  const device = useSyncExternalStore(subscribeToScheme, deviceScheme, () => "light" as const);
  return useMemo(() => {
    const resolved = resolveAgentUi(ticketUi, provider);
    return {
      ...resolved,
      ...createFormat(resolved.locale),
      resolvedColorScheme: resolved.colorScheme === "system" ? device : resolved.colorScheme,
      style: themeVariables(resolved),
    };
  }, [ticketUi, provider, device]);
}
