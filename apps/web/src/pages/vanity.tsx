// "/vanity/agents?ticket=…": the ready-made agent page a backend's ticket `url` opens. It
// exchanges the ticket once, drops it from the address bar, and shows the whole chat: the
// conversations, an agent picker, the live conversation with its approvals and questions.
// A link whose ticket would replace a live session of another context group is not followed
// silently: the page shows both sessions and switches only if the user says so (a link can be
// planted on a user by someone who wants what they type).
import {
  AgentAccessProvider,
  type AgentContextState,
  type AgentInfo,
  clearTicketFromUrl,
  useAgentContexts,
  useAgentSession,
  useTicketPreview,
} from "@agent-access/react";
import { useCallback, useEffect, useState } from "react";
import { DocumentTheme } from "../agent/agent-theme.tsx";
import { ChatPanel } from "../agent/chat-panel.tsx";
import { ContextSidebar } from "../agent/context-sidebar.tsx";
import { GrantsPanel } from "../agent/grants-panel.tsx";
import { greeting } from "../agent/greeting.ts";
import { useStrings } from "../agent/i18n/use-strings.ts";
import { problemFromMessage, ReturnLink, SessionProblem } from "../agent/session-problem.tsx";
import { CloseIcon, MenuIcon } from "../components/icons.tsx";
import { focusRing } from "../components/ui.tsx";
import { toolRenderers } from "../tool-renderers.ts";

type Session = ReturnType<typeof useAgentSession>;

/**
 * The conversation's title, and under it the agent it talks to: its own for an existing
 * conversation (never changed), and for a new one the agent chosen with the picker.
 */
function ConversationTitle({ title, chat }: { title: string; chat: AgentContextState }) {
  return (
    <div className="min-w-0 flex-1">
      <h1 className="truncate font-semibold">{title}</h1>
      <p
        className="truncate text-xs text-neutral-600 dark:text-neutral-400"
        data-testid="conversation-agent"
      >
        {chat.agent?.name ?? chat.agentId ?? ""}
      </p>
    </div>
  );
}

/** Which agent a new conversation gets; shown only for a new chat, with more than one agent. */
function AgentPicker({ session, chat }: { session: Session; chat: AgentContextState }) {
  const { t } = useStrings();
  return (
    <>
      <label htmlFor="agent-picker" className="sr-only">
        {t("vanity.agentForNewChat")}
      </label>
      <select
        id="agent-picker"
        value={chat.agent?.id ?? session.activeAgent?.id ?? ""}
        onChange={(event) => session.setActiveAgent(event.target.value)}
        className={`min-w-0 max-w-[40%] rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
      >
        {session.agents.map((agent) => (
          <option key={agent.id} value={agent.id}>
            {agent.name}
          </option>
        ))}
      </select>
    </>
  );
}

function Chat({ session, linkedContextId }: { session: Session; linkedContextId: string | null }) {
  const { t } = useStrings();
  const [search, setSearch] = useState("");
  // A conversation the link named (agentPageUrl's `?context=`) opens first.
  const [activeId, setActiveId] = useState<string | null>(linkedContextId);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const list = useAgentContexts({ enabled: session.hasSession, search });

  // Open the most recent conversation at first; "New chat" sets "" (a blank one).
  const contextId = activeId ?? (search ? "" : (list.contexts[0]?.id ?? ""));
  const active = list.contexts.find((context) => context.id === contextId);
  // Once loaded, that choice holds: a conversation created under the blank chat (attached files
  // are uploaded into an empty one first) must not swap the chat, and its composer, mid-send.
  const settled = session.hasSession && !list.loading && !search;
  useEffect(() => {
    if (settled) setActiveId((current) => current ?? list.contexts[0]?.id ?? "");
  }, [settled, list.contexts]);

  function select(id: string) {
    setActiveId(id);
    setSidebarOpen(false);
  }

  return (
    <div className="flex h-dvh bg-neutral-50 text-neutral-900 dark:bg-neutral-950 dark:text-neutral-100">
      <aside
        className={`${
          sidebarOpen ? "fixed inset-0 z-20 flex" : "hidden"
        } w-full flex-col border-r border-neutral-200 bg-white md:static md:flex md:w-72 md:shrink-0 dark:border-neutral-800 dark:bg-neutral-950`}
      >
        <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-2 md:hidden dark:border-neutral-800">
          <span className="font-medium">{t("vanity.conversations")}</span>
          {/* On a phone the header has no room for the way back: it waits here. */}
          {session.returnUrl && (
            <ReturnLink
              href={session.returnUrl}
              className="ml-auto rounded px-2 py-1 text-sm text-blue-700 underline dark:text-blue-400"
            />
          )}
          <button
            type="button"
            onClick={() => setSidebarOpen(false)}
            className={`rounded px-2 py-1 ${focusRing}`}
            aria-label={t("vanity.closeConversations")}
          >
            <CloseIcon />
          </button>
        </div>
        <ContextSidebar
          groups={list.groups}
          agents={session.agents}
          activeId={contextId || null}
          search={search}
          onSearch={setSearch}
          onSelect={select}
          onNew={() => select("")}
          onRename={(id, title) => void list.updateContext(id, { title })}
          onDelete={(id) => {
            if (id === contextId) setActiveId("");
            void list.deleteContext(id);
          }}
          hasMore={list.hasMore}
          onLoadMore={list.loadMore}
          loading={list.loading}
        />
      </aside>
      <main className="flex min-w-0 flex-1 flex-col">
        <ChatPanel
          key={contextId || "new"}
          contextId={contextId}
          agentId={session.activeAgent?.id ?? ""}
          onCreated={select}
          greeting={greeting(session.hostContext, t)}
          header={(chat) => (
            <>
              <header className="flex items-center gap-3 border-b border-neutral-200 bg-white px-4 py-2 dark:border-neutral-800 dark:bg-neutral-950">
                <button
                  type="button"
                  onClick={() => setSidebarOpen(true)}
                  className={`rounded px-2 py-1 md:hidden ${focusRing}`}
                  aria-label={t("vanity.showConversations")}
                >
                  <MenuIcon />
                </button>
                <ConversationTitle title={active?.title ?? t("vanity.newChat")} chat={chat} />
                {session.displayName && (
                  <span
                    className="hidden truncate text-sm text-neutral-600 sm:inline dark:text-neutral-400"
                    data-testid="session-label"
                  >
                    {session.displayName}
                  </span>
                )}
                {!contextId && session.agents.length > 1 && (
                  <AgentPicker session={session} chat={chat} />
                )}
                {session.returnUrl && (
                  <ReturnLink
                    href={session.returnUrl}
                    className="hidden shrink-0 rounded px-2 py-1 text-sm text-blue-700 underline sm:inline dark:text-blue-400"
                  />
                )}
                <button
                  type="button"
                  onClick={() => setSettingsOpen((open) => !open)}
                  aria-expanded={settingsOpen}
                  className={`rounded px-2 py-1 text-sm ${focusRing}`}
                >
                  {t("vanity.settings")}
                </button>
              </header>
              {settingsOpen && <GrantsPanel onClose={() => setSettingsOpen(false)} />}
            </>
          )}
        />
      </main>
    </div>
  );
}

function VanityAgents({
  ticket,
  replaceSession,
  linkedContextId,
}: {
  ticket: string | null;
  replaceSession: boolean;
  linkedContextId: string | null;
}) {
  const { t } = useStrings();
  const session = useAgentSession(ticket ?? undefined, { replaceSession });
  useEffect(() => {
    if (session.ticketExchanged) clearTicketFromUrl();
  }, [session.ticketExchanged]);
  // The way back outlives the session: a page whose session ended still leads to the app.
  const returnUrl = useRememberedReturnUrl(session.returnUrl);
  // A page that had a session and lost it says so (after a reload the ticket is gone).
  const [hadSession, setHadSession] = useState(false);
  useEffect(() => {
    if (session.hasSession) setHadSession(true);
  }, [session.hasSession]);

  if (session.hasSession) return <Chat session={session} linkedContextId={linkedContextId} />;
  if (session.sessionLoading) {
    return (
      <main className="flex min-h-dvh items-center justify-center" role="status">
        {t("vanity.opening")}
      </main>
    );
  }
  if (session.ticketExchanged || hadSession) {
    return <SessionProblem kind="ended" returnUrl={returnUrl} />;
  }
  if (ticket && session.sessionError) {
    return (
      <SessionProblem
        kind={problemFromMessage(session.sessionError.message)}
        returnUrl={returnUrl}
      />
    );
  }
  return <SessionProblem kind="missing" returnUrl={returnUrl} />;
}

const RETURN_URL_KEY = "agent-access:return-url";

/**
 * The session's return address, kept in this tab's sessionStorage so that the problem screen
 * after the session ended (or after a reload) still leads back to the app; "/" when none is known.
 */
function useRememberedReturnUrl(current: string | null): string {
  const [remembered, setRemembered] = useState(() => {
    try {
      return sessionStorage.getItem(RETURN_URL_KEY);
    } catch {
      return null;
    }
  });
  useEffect(() => {
    if (!current) return;
    setRemembered(current);
    try {
      sessionStorage.setItem(RETURN_URL_KEY, current);
    } catch {
      // Storage refused (a partitioned frame, private mode): the page keeps it while open.
    }
  }, [current]);
  return current ?? remembered ?? "/";
}

/** How a session is named to its user: its label, else its group. */
function SessionCard({
  heading,
  label,
  agents,
  testId,
}: {
  heading: string;
  label: string;
  agents: AgentInfo[];
  testId: string;
}) {
  return (
    <section
      className="rounded-lg border border-neutral-200 p-4 dark:border-neutral-800"
      data-testid={testId}
    >
      <h2 className="text-sm font-medium text-neutral-600 dark:text-neutral-400">{heading}</h2>
      <p className="mt-1 font-semibold break-words">{label}</p>
      <p className="mt-1 text-sm text-neutral-600 dark:text-neutral-400">
        {agents.map((agent) => agent.name).join(", ")}
      </p>
    </section>
  );
}

type LinkChoice = "ask" | "exchange" | "switch" | "keep";

/**
 * Before a link's ticket is exchanged: when it would replace a live session of another context
 * group, shows both and lets the user choose; otherwise goes straight on.
 */
function ConfirmLink({
  ticket,
  onChoose,
}: {
  ticket: string;
  onChoose: (choice: Exclude<LinkChoice, "ask">) => void;
}) {
  const { t } = useStrings();
  const { preview, loading, error } = useTicketPreview(ticket);
  const needsConfirmation = preview?.needsConfirmation ?? false;
  useEffect(() => {
    // Nothing to ask, or a ticket that cannot be used: the exchange shows what went wrong.
    if (!loading && !needsConfirmation && (preview || error)) onChoose("exchange");
  }, [loading, needsConfirmation, preview, error, onChoose]);

  if (!preview?.needsConfirmation || !preview.current) {
    return (
      <main className="flex min-h-dvh items-center justify-center" role="status">
        {t("vanity.opening")}
      </main>
    );
  }
  const { current, offered } = preview;
  return (
    <main className="flex min-h-dvh items-center justify-center p-6" data-testid="confirm-switch">
      <div className="w-full max-w-lg">
        <h1 className="text-xl font-semibold">{t("confirm.title")}</h1>
        <p className="mt-2 text-neutral-600 dark:text-neutral-400">{t("confirm.body")}</p>
        <div className="mt-4 grid gap-3 sm:grid-cols-2">
          <SessionCard
            heading={t("confirm.current")}
            label={current.displayName ?? current.contextGroup}
            agents={current.agents}
            testId="current-session"
          />
          <SessionCard
            heading={t("confirm.offered")}
            label={offered.displayName ?? offered.contextGroup ?? t("confirm.signedInAccount")}
            agents={offered.agents}
            testId="offered-session"
          />
        </div>
        <div className="mt-6 flex flex-wrap gap-3">
          <button
            type="button"
            onClick={() => onChoose("keep")}
            className={`rounded-md bg-blue-700 px-4 py-2 font-medium text-white dark:bg-blue-500 dark:text-neutral-950 ${focusRing}`}
          >
            {t("confirm.keep")}
          </button>
          <button
            type="button"
            onClick={() => onChoose("switch")}
            className={`rounded-md border border-neutral-300 px-4 py-2 font-medium dark:border-neutral-700 ${focusRing}`}
          >
            {t("confirm.switch")}
          </button>
        </div>
      </div>
    </main>
  );
}

export default function VanityPage() {
  // Read once: the address bar loses the ticket after the exchange, the page keeps it.
  const [ticket] = useState(() => new URLSearchParams(window.location.search).get("ticket"));
  const [linkedContextId] = useState(
    () => new URLSearchParams(window.location.search).get("context") || null,
  );
  useEffect(() => clearTicketFromUrl("context"), []);
  const [choice, setChoice] = useState<LinkChoice>(ticket ? "ask" : "keep");
  const choose = useCallback((next: Exclude<LinkChoice, "ask">) => {
    // Kept: the link's ticket stays unused and leaves the address bar.
    if (next === "keep") clearTicketFromUrl();
    setChoice(next);
  }, []);
  return (
    <AgentAccessProvider toolRenderers={toolRenderers}>
      <DocumentTheme />
      {choice === "ask" && ticket ? (
        <ConfirmLink ticket={ticket} onChoose={choose} />
      ) : (
        <VanityAgents
          ticket={choice === "keep" ? null : ticket}
          replaceSession={choice === "switch"}
          linkedContextId={linkedContextId}
        />
      )}
    </AgentAccessProvider>
  );
}
