// The host demo's agent entry points on a workspace page, as a product would add them:
// "Open agent" mints a ticket (after the membership check on the server) and opens the vanity
// page in a new tab; "Chat here" embeds a chat built only from @agent-access/react's hooks.
// While the embedded chat is live, the full page opens on its session (agentPageUrl) instead of
// exchanging a new ticket: a browser holds one agent session, so a new exchange would end the
// embedded chat and drop what the user was typing in it.
import {
  AgentAccessProvider,
  agentPageUrl,
  useAgentContexts,
  useAgentSession,
} from "@agent-access/react";
import { useCallback, useEffect, useState } from "react";
import { AgentThemeRoot } from "../agent/agent-theme.tsx";
import { ChatPanel } from "../agent/chat-panel.tsx";
import { greeting } from "../agent/greeting.ts";
import { useStrings } from "../agent/i18n/use-strings.ts";
import { Alert, Button, focusRing } from "../components/ui.tsx";
import { toolRenderers } from "../tool-renderers.ts";
import { trpc } from "../trpc.ts";

type SessionType = "static" | "signin";

const SESSION_TYPES: { value: SessionType; label: string; hint: string }[] = [
  { value: "static", label: "This workspace", hint: "group workspace:<id>:user:<id>" },
  { value: "signin", label: "My account", hint: "group user:<id>, follows your sign-in" },
];

/** The chat of one exchanged ticket: the latest conversation, or a new one. */
function EmbeddedChat({
  ticket,
  onRestart,
  onLive,
}: {
  ticket: string;
  onRestart: () => void;
  /** Told whether the chat's session is live, so that "Open agent" can reuse it. */
  onLive: (live: boolean) => void;
}) {
  const { t } = useStrings();
  // The app minted this ticket for this page itself: it may replace the browser's session.
  const session = useAgentSession(ticket, { replaceSession: true });
  useEffect(() => onLive(session.hasSession), [onLive, session.hasSession]);
  const { contexts, createContext, loading } = useAgentContexts({
    enabled: session.hasSession,
    limit: 1,
  });
  const [contextId, setContextId] = useState<string | null>(null);
  const current = contextId ?? contexts[0]?.id ?? "";
  // Once loaded, the choice holds: a conversation created under the blank chat (attached files
  // are uploaded into an empty one first) must not swap the chat, and its composer, mid-send.
  const settled = session.hasSession && !loading;
  useEffect(() => {
    if (settled) setContextId((chosen) => chosen ?? contexts[0]?.id ?? "");
  }, [settled, contexts]);
  // The agent of the conversation shown: its own, not the session's first.
  const agentId = contexts.find((context) => context.id === current)?.agentId;
  const agent = session.agents.find((each) => each.id === agentId) ?? session.activeAgent;

  if (session.sessionLoading) return <p role="status">{t("embedded.starting")}</p>;
  if (!session.hasSession) {
    return (
      <div className="flex flex-col items-start gap-3">
        <p className="text-sm text-neutral-700 dark:text-neutral-300">
          {session.ticketExchanged
            ? t("embedded.ended")
            : (session.sessionError?.message ?? t("embedded.failed"))}
        </p>
        <Button onClick={onRestart}>{t("embedded.continue")}</Button>
      </div>
    );
  }
  return (
    <div className="flex h-[32rem] flex-col overflow-hidden rounded-lg border border-neutral-200 bg-neutral-50 dark:border-neutral-800 dark:bg-neutral-950">
      <div className="flex items-center gap-2 border-b border-neutral-200 bg-white px-3 py-2 text-sm dark:border-neutral-800 dark:bg-neutral-900">
        <span className="shrink-0 font-medium">{agent?.name}</span>
        <span
          className="hidden min-w-0 truncate font-mono text-xs text-neutral-600 sm:inline dark:text-neutral-400"
          title={t("embedded.contextGroup")}
        >
          {session.contextGroup}
        </span>
        <a
          href={agentPageUrl({ contextId: current || undefined })}
          target="_blank"
          rel="noopener"
          className={`ml-auto shrink-0 rounded text-xs text-blue-700 underline dark:text-blue-400 ${focusRing}`}
        >
          {t("embedded.openFullPage")}
        </a>
        <Button
          variant="secondary"
          className="shrink-0 !px-2 !py-1 text-xs"
          onClick={async () => {
            const created = await createContext();
            if (created) setContextId(created.id);
          }}
        >
          {t("embedded.newChat")}
        </Button>
      </div>
      <ChatPanel
        key={current || "new"}
        contextId={current}
        agentId={session.activeAgent?.id ?? ""}
        onCreated={setContextId}
        greeting={greeting(session.hostContext, t)}
      />
    </div>
  );
}

export function WorkspaceAgent({ workspaceId }: { workspaceId: string }) {
  const [sessionType, setSessionType] = useState<SessionType>("static");
  const [ticket, setTicket] = useState<string | null>(null);
  const [ticketType, setTicketType] = useState<SessionType>("static");
  /** The session type of the embedded chat while its session is live. */
  const [liveType, setLiveType] = useState<SessionType | null>(null);
  const onLive = useCallback(
    (live: boolean) => setLiveType(live ? ticketType : null),
    [ticketType],
  );
  const issue = trpc.workspace.issueAgentTicket.useMutation();

  async function openAgent() {
    // The embedded chat holds a session of this type: open the full page on it.
    if (liveType === sessionType) {
      window.open(agentPageUrl(), "_blank", "noopener");
      return;
    }
    // Opened before the await, within the click, so that popup blockers let it through.
    const tab = window.open("about:blank", "_blank");
    try {
      const { vanityUrl } = await issue.mutateAsync({ workspaceId, sessionType });
      if (tab) tab.location.href = vanityUrl;
      else window.location.assign(vanityUrl);
    } catch {
      tab?.close();
    }
  }

  async function chatHere() {
    const { ticket: fresh } = await issue.mutateAsync({ workspaceId, sessionType });
    setTicketType(sessionType);
    setTicket(fresh);
  }

  return (
    <section aria-labelledby="agent-title" className="flex flex-col gap-3">
      <h2 id="agent-title" className="text-lg font-semibold">
        Workspace assistant
      </h2>
      <p className="text-sm text-neutral-600 dark:text-neutral-400">
        Ask an agent about this workspace's webhooks. It sees only what its session's context group
        allows.
      </p>
      <fieldset className="flex flex-wrap gap-4 text-sm">
        <legend className="sr-only">Session type</legend>
        {SESSION_TYPES.map((type) => (
          <label key={type.value} className="flex items-center gap-2">
            <input
              type="radio"
              name="session-type"
              value={type.value}
              checked={sessionType === type.value}
              onChange={() => setSessionType(type.value)}
            />
            {type.label}
            <span className="text-xs text-neutral-500">({type.hint})</span>
          </label>
        ))}
      </fieldset>
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => void openAgent()} disabled={issue.isPending}>
          Open agent
        </Button>
        <Button variant="secondary" onClick={() => void chatHere()} disabled={issue.isPending}>
          {ticket ? "Restart chat here" : "Chat here"}
        </Button>
      </div>
      {issue.error && <Alert>{issue.error.message}</Alert>}
      {ticket && (
        <AgentAccessProvider toolRenderers={toolRenderers}>
          <AgentThemeRoot>
            <EmbeddedChat
              key={ticket}
              ticket={ticket}
              onRestart={() => void chatHere()}
              onLive={onLive}
            />
          </AgentThemeRoot>
        </AgentAccessProvider>
      )}
    </section>
  );
}
