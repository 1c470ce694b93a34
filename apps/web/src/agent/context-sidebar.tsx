// The conversations of the session: search by title, open, rename in place, delete after a
// confirmation, load more, start a new one.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { PencilIcon, TrashIcon } from "../components/icons.tsx";
import { Button, focusRing } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";
import type { ContextSummary } from "./types.ts";

interface ContextSidebarProps {
  contexts: ContextSummary[];
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

export function ContextSidebar(props: ContextSidebarProps) {
  const { contexts, activeId, search, onSearch, onSelect, onNew, hasMore, onLoadMore, loading } =
    props;
  const { t } = useStrings();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<ContextSummary | null>(null);

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
      <ul className="-mx-1 min-h-0 flex-1 overflow-y-auto px-1" data-testid="context-list">
        {contexts.length === 0 && !loading && (
          <li className="px-2 py-4 text-sm text-neutral-500">
            {search ? t("sidebar.noMatch") : t("sidebar.none")}
          </li>
        )}
        {contexts.map((context) => (
          <li key={context.id} className="group">
            {renaming === context.id ? (
              <RenameForm
                context={context}
                onDone={() => setRenaming(null)}
                onRename={(title) => props.onRename(context.id, title)}
              />
            ) : (
              <div
                className={`flex items-center rounded-md ${
                  context.id === activeId
                    ? "bg-neutral-200 dark:bg-neutral-800"
                    : "hover:bg-neutral-100 dark:hover:bg-neutral-900"
                }`}
              >
                <button
                  type="button"
                  onClick={() => onSelect(context.id)}
                  aria-current={context.id === activeId ? "page" : undefined}
                  className={`min-w-0 flex-1 truncate rounded-md px-2 py-2 text-left text-sm ${focusRing}`}
                >
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
                </button>
                <button
                  type="button"
                  onClick={() => setRenaming(context.id)}
                  aria-label={t("sidebar.rename", { title: context.title })}
                  className={`rounded px-1.5 py-1 text-xs text-neutral-600 opacity-70 hover:opacity-100 dark:text-neutral-400 ${focusRing}`}
                >
                  <PencilIcon />
                </button>
                <button
                  type="button"
                  onClick={() => setDeleting(context)}
                  aria-label={t("sidebar.delete", { title: context.title })}
                  className={`rounded px-1.5 py-1 text-xs text-neutral-600 opacity-70 hover:opacity-100 dark:text-neutral-400 ${focusRing}`}
                >
                  <TrashIcon />
                </button>
              </div>
            )}
          </li>
        ))}
        {hasMore && (
          <li>
            <Button
              variant="secondary"
              className="mt-2 w-full"
              onClick={onLoadMore}
              disabled={loading}
            >
              {loading ? t("sidebar.loading") : t("sidebar.loadMore")}
            </Button>
          </li>
        )}
      </ul>
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
