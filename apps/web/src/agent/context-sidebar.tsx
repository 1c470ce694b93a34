// The conversations of the session, grouped by the day of their last activity (Today,
// Yesterday, Previous 7 days, Older): search by title, open, see each one's agent, rename in
// place or delete after a confirmation from its actions menu, load more, start a new one.
import type { AgentInfo, DateGroup, DateGroupKey } from "@agent-access/react";
import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from "react";
import { MoreIcon } from "../components/icons.tsx";
import { Button, focusRing } from "../components/ui.tsx";
import { ActionMenu } from "./action-menu.tsx";
import type { MessageKey } from "./i18n/index.ts";
import { useStrings } from "./i18n/use-strings.ts";
import type { ContextSummary } from "./types.ts";

const GROUP_LABEL: Record<DateGroupKey, MessageKey> = {
  today: "sidebar.today",
  yesterday: "sidebar.yesterday",
  previous7Days: "sidebar.previous7Days",
  older: "sidebar.older",
};

interface ContextSidebarProps {
  /** The conversations by day, as useAgentContexts' `groups`. */
  groups: DateGroup<ContextSummary>[];
  /** The session's agents, to name each conversation's. */
  agents: readonly AgentInfo[];
  activeId: string | null;
  search: string;
  onSearch: (search: string) => void;
  onSelect: (id: string) => void;
  onNew: () => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
  hasMore: boolean;
  onLoadMore: () => void;
  loading: boolean;
}

function RenameForm({
  context,
  onDone,
  onRename,
}: {
  context: ContextSummary;
  onDone: () => void;
  onRename: (title: string) => void;
}) {
  const { t } = useStrings();
  const [title, setTitle] = useState(context.title);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (title.trim() && title.trim() !== context.title) onRename(title.trim());
    onDone();
  }
  return (
    <form onSubmit={submit} className="flex gap-1 px-2 py-1">
      <label htmlFor={`rename-${context.id}`} className="sr-only">
        {t("sidebar.newTitle")}
      </label>
      <input
        ref={input}
        id={`rename-${context.id}`}
        value={title}
        maxLength={200}
        onChange={(event) => setTitle(event.target.value)}
        onKeyDown={(event) => event.key === "Escape" && onDone()}
        className={`min-w-0 flex-1 rounded border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
      />
      <button type="submit" className={`rounded px-2 text-sm ${focusRing}`}>
        {t("sidebar.save")}
      </button>
    </form>
  );
}

function DeleteConfirmation({
  context,
  onConfirm,
  onCancel,
}: {
  context: ContextSummary;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useStrings();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  return (
    <dialog
      ref={dialog}
      onClose={onCancel}
      aria-labelledby="delete-title"
      className="m-auto max-w-sm rounded-lg bg-white p-5 text-neutral-900 shadow-xl backdrop:bg-black/40 dark:bg-neutral-900 dark:text-neutral-100"
    >
      <h2 id="delete-title" className="font-semibold">
        {t("sidebar.deleteTitle", { title: context.title })}
      </h2>
      <p className="mt-2 text-sm text-neutral-600 dark:text-neutral-400">
        {t("sidebar.deleteBody")}
      </p>
      <div className="mt-4 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel}>
          {t("sidebar.keep")}
        </Button>
        <Button
          className="bg-red-700 hover:bg-red-800 dark:bg-red-500 dark:hover:bg-red-400"
          onClick={onConfirm}
        >
          {t("sidebar.confirmDelete")}
        </Button>
      </div>
    </dialog>
  );
}

function ContextItem({
  context,
  active,
  agentName,
  onSelect,
  onRename,
  onDelete,
}: {
  context: ContextSummary;
  active: boolean;
  agentName: string;
  onSelect: () => void;
  onRename: () => void;
  onDelete: () => void;
}) {
  const { t } = useStrings();
  return (
    <div
      className={`flex items-start gap-1 rounded-md ${
        active
          ? "bg-neutral-200 dark:bg-neutral-800"
          : "hover:bg-neutral-100 dark:hover:bg-neutral-900"
      }`}
      data-testid="context-item"
      data-context-id={context.id}
    >
      <button
        type="button"
        onClick={onSelect}
        aria-current={active ? "page" : undefined}
        className={`min-w-0 flex-1 rounded-md px-2 py-1.5 text-left text-sm ${focusRing}`}
      >
        <span className="line-clamp-2 break-words" data-testid="context-title">
          {context.status !== "idle" && (
            <>
              <span
                className="mr-1 inline-block h-2 w-2 rounded-full bg-blue-600"
                aria-hidden="true"
              />
              <span className="sr-only">{t("sidebar.active")} </span>
            </>
          )}
          {context.title}
        </span>
        <span
          className="block truncate text-xs text-neutral-600 dark:text-neutral-400"
          data-testid="context-agent"
        >
          {agentName}
        </span>
      </button>
      <ActionMenu
        label={t("sidebar.actions", { title: context.title })}
        actions={[
          { label: t("sidebar.renameAction"), onSelect: onRename },
          { label: t("sidebar.deleteAction"), onSelect: onDelete, danger: true },
        ]}
      >
        <MoreIcon />
      </ActionMenu>
    </div>
  );
}

function ContextGroup({
  group,
  children,
}: {
  group: DateGroup<ContextSummary>;
  children: (context: ContextSummary) => ReactNode;
}) {
  const { t } = useStrings();
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="mb-3" data-testid="context-group">
      <h2
        id={headingId}
        className="px-2 pb-1 text-xs font-medium text-neutral-600 dark:text-neutral-400"
      >
        {t(GROUP_LABEL[group.key])}
      </h2>
      <ul className="flex flex-col gap-0.5">
        {group.contexts.map((context) => (
          <li key={context.id}>{children(context)}</li>
        ))}
      </ul>
    </section>
  );
}

export function ContextSidebar(props: ContextSidebarProps) {
  const { t } = useStrings();
  const { groups, agents, activeId, search, onSearch, onSelect, onNew, hasMore, onLoadMore } =
    props;
  const { loading } = props;
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ContextSummary | null>(null);
  const list = useRef<HTMLDivElement>(null);
  // Renamed (or not): focus goes back to the conversation, not to the start of the page.
  const renamed = useRef<string | null>(null);
  useEffect(() => {
    if (renaming !== null || renamed.current === null) return;
    const item = list.current?.querySelector(`[data-context-id="${CSS.escape(renamed.current)}"]`);
    item?.querySelector<HTMLElement>("button")?.focus();
    renamed.current = null;
  }, [renaming]);
  const agentName = (id: string) => agents.find((agent) => agent.id === id)?.name ?? id;

  return (
    <nav aria-label={t("sidebar.label")} className="flex h-full min-h-0 flex-col gap-3 p-3">
      <Button onClick={onNew} className="w-full">
        {t("sidebar.newChat")}
      </Button>
      <div>
        <label htmlFor="context-search" className="sr-only">
          {t("sidebar.search")}
        </label>
        <input
          id="context-search"
          type="search"
          value={search}
          onChange={(event) => onSearch(event.target.value)}
          placeholder={t("sidebar.search")}
          className={`w-full rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900 ${focusRing}`}
        />
      </div>
      <div
        ref={list}
        className="-mx-1 min-h-0 flex-1 overflow-y-auto px-1"
        data-testid="context-list"
      >
        {groups.length === 0 && !loading && (
          <p className="px-2 py-4 text-sm text-neutral-600 dark:text-neutral-400">
            {search ? t("sidebar.noMatch") : t("sidebar.none")}
          </p>
        )}
        {groups.map((group) => (
          <ContextGroup key={group.key} group={group}>
            {(context) =>
              renaming === context.id ? (
                <RenameForm
                  context={context}
                  onDone={() => {
                    renamed.current = context.id;
                    setRenaming(null);
                  }}
                  onRename={(title) => props.onRename(context.id, title)}
                />
              ) : (
                <ContextItem
                  context={context}
                  active={context.id === activeId}
                  agentName={agentName(context.agentId)}
                  onSelect={() => onSelect(context.id)}
                  onRename={() => setRenaming(context.id)}
                  onDelete={() => setDeleting(context)}
                />
              )
            }
          </ContextGroup>
        ))}
        {hasMore && (
          <Button
            variant="secondary"
            className="mt-2 w-full"
            onClick={onLoadMore}
            disabled={loading}
          >
            {loading ? t("sidebar.loading") : t("sidebar.loadMore")}
          </Button>
        )}
      </div>
      {deleting && (
        <DeleteConfirmation
          context={deleting}
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            props.onDelete(deleting.id);
            setDeleting(null);
          }}
        />
      )}
    </nav>
  );
}
