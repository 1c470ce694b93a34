// The UI settings a host gives (per ticket at mint, or per AgentAccessProvider), merged into the
// one set a UI renders with. The ticket wins, field by field: it is minted for this user (their
// language, their workspace's brand), while the provider's `ui` is the app's default for
// everyone. A field neither sets takes the built-in default.
import type { AgentSessionInfo } from "../types.ts";
import { accentPair } from "./accent.ts";

/** UI settings: what a ticket's `ui` holds, and what AgentAccessProvider's `ui` prop takes. */
export type AgentUi = AgentSessionInfo["ui"];

export type ColorScheme = "light" | "dark";

/** Every setting decided: defaults filled in. */
export interface ResolvedAgentUi {
  /** `#rrggbb`, or null for the UI's own accent. */
  accentColor: string | null;
  /** Corner radius in CSS pixels, or null for the UI's own. */
  radius: number | null;
  /** Default "comfortable". */
  density: "comfortable" | "compact";
  /** Default "system". */
  colorScheme: "light" | "dark" | "system";
  /** BCP 47; default the browser's language, else "en". */
  locale: string;
}

function browserLocale(): string {
  return (typeof navigator !== "undefined" && navigator.language) || "en";
}

/** Merges the ticket's settings over the provider's over the defaults. */
export function resolveAgentUi(
  ticket: AgentUi | null,
  provider: AgentUi | undefined,
): ResolvedAgentUi {
  const pick = <K extends keyof AgentUi>(key: K): AgentUi[K] => ticket?.[key] ?? provider?.[key];
  return {
    accentColor: pick("accentColor") ?? null,
    radius: pick("radius") ?? null,
    density: pick("density") ?? "comfortable",
    colorScheme: pick("colorScheme") ?? "system",
    locale: pick("locale") ?? browserLocale(),
  };
}

/**
 * CSS custom properties for the root element of an agent UI: `--aa-accent` (readable under white
 * text), `--aa-accent-bright` (readable under near-black text, for dark themes) and
 * `--aa-radius`. Empty for settings left to the UI.
 */
export function themeVariables(ui: ResolvedAgentUi): Record<`--${string}`, string> {
  const variables: Record<`--${string}`, string> = {};
  const pair = ui.accentColor ? accentPair(ui.accentColor) : null;
  if (pair) {
    variables["--aa-accent"] = pair.strong;
    variables["--aa-accent-bright"] = pair.bright;
  }
  if (ui.radius !== null) variables["--aa-radius"] = `${ui.radius}px`;
  return variables;
}
