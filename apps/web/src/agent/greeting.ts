// The empty conversation's greeting, from the host context the app's backend put in the ticket
// (read-only in useAgentSession): the user's name and the workspace's, when the ticket has them.
import type { Strings } from "./i18n/use-strings.ts";

type HostContext = { readonly [key: string]: unknown } | null;

function text(hostContext: HostContext, key: string): string | null {
  const value = hostContext?.[key];
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

/** "Hi Ada. Ask about Analytical Engines." or, without host context, "". */
export function greeting(hostContext: HostContext, t: Strings["t"]): string {
  const name = text(hostContext, "userName");
  const workspace = text(hostContext, "workspaceName");
  const hello = name ? t("greeting.hello", { name }) : "";
  const about = workspace ? t("greeting.about", { workspace }) : "";
  return [hello, about].filter(Boolean).join(" ");
}
