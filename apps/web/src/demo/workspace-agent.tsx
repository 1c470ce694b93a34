// The host demo's agent entry points on a workspace page, as a product would add them:
// "Open agent" mints a ticket (after the membership check on the server) and opens the vanity
// page in a new tab; "Chat here" embeds a chat built only from @agent-access/react's hooks.
import { AgentAccessProvider, useAgentContexts, useAgentSession } from "@agent-access/react";
import { useEffect, useState } from "react";
import { ChatPanel } from "../agent/chat-panel.tsx";
import { greeting } from "../agent/greeting.ts";
import { Alert, Button } from "../components/ui.tsx";
import { trpc } from "../trpc.ts";

type SessionType = "static" | "signin";

const SESSION_TYPES: { value: SessionType; label: string; hint: string }[] = [
  { value: "static", label: "This workspace", hint: "group workspace:<id>:user:<id>" },
  { value: "signin", label: "My account", hint: "group user:<id>, follows your sign-in" },
];

/** The chat of one exchanged ticket: the latest conversation, or a new one. */
function EmbeddedChat({ ticket, onRestart }: { ticket: string; onRestart: () => void }) {
  // The app minted this ticket for this page itself: it may replace the browser's session.
  const session = useAgentSession(ticket, { replaceSession: true });
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

  if (session.sessionLoading) return <p role="status">Starting the agent…</p>;
  if (!session.hasSession) {
    return (
      <div className="flex flex-col items-start gap-3">
        <p className="text-sm text-neutral-700 dark:text-neutral-300">
          {session.ticketExchanged
            ? "This chat ended: it expired, or the agent was opened in another tab (a browser holds one agent session at a time)."
            : (session.sessionError?.message ?? "The agent could not start.")}
        </p>
        <Button onClick={onRestart}>Continue here</Button>
      </div>
    );
  }
  return (
    <div className="flex h-[32rem] flex-col overflow-hidden rounded-lg border border-neutral-200 bg-neutral-50 dark:border-neutral-800 dark:bg-neutral-950">
      <div className="flex items-center gap-2 border-b border-neutral-200 bg-white px-3 py-2 text-sm dark:border-neutral-800 dark:bg-neutral-900">
        <span className="font-medium">{session.activeAgent?.name}</span>
        <span
          className="truncate font-mono text-xs text-neutral-600 dark:text-neutral-400"
          title="context group"
        >
          {session.contextGroup}
        </span>
        <Button
          variant="secondary"
          className="ml-auto !px-2 !py-1 text-xs"
          onClick={async () => {
            const created = await createContext();
            if (created) setContextId(created.id);
          }}
        >
          New chat
        </Button>
      </div>
      <ChatPanel
        key={current || "new"}
        contextId={current}
        agentId={session.activeAgent?.id ?? ""}
        onCreated={setContextId}
        greeting={greeting(session.hostContext)}
      />
    </div>
  );
}

export function WorkspaceAgent({ workspaceId }: { workspaceId: string }) {
  const [sessionType, setSessionType] = useState<SessionType>("static");
  const [ticket, setTicket] = useState<string | null>(null);
  const issue = trpc.workspace.issueAgentTicket.useMutation();

  async function openAgent() {
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
        <AgentAccessProvider>
          <EmbeddedChat key={ticket} ticket={ticket} onRestart={() => void chatHere()} />
        </AgentAccessProvider>
      )}
    </section>
  );
}
