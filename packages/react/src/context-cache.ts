// Edits of the cached conversation lists (every `context.list` page of every search), so that a
// change shows at once in each list on screen, and can be undone if the server refuses it.
import type { RouterOutputs } from "@agent-access/api";
import type { InfiniteData, QueryClient, QueryKey } from "@tanstack/react-query";
import { getQueryKey } from "@trpc/react-query";
import { trpc } from "./trpc.ts";
import type { ContextSummary } from "./types.ts";

type ListPage = RouterOutputs["context"]["list"];
type ListData = InfiniteData<ListPage, string | null | undefined>;

/** Every infinite `context.list` query, whatever its input. */
const listsKey = (): QueryKey => getQueryKey(trpc.context.list, undefined, "infinite");

/** What the lists held before an optimistic edit. */
export type ListsSnapshot = [QueryKey, ListData | undefined][];

/** Stops list fetches in flight, so that an older answer cannot overwrite an edit, and saves. */
export async function snapshotLists(queryClient: QueryClient): Promise<ListsSnapshot> {
  await queryClient.cancelQueries({ queryKey: listsKey() });
  return queryClient.getQueriesData<ListData>({ queryKey: listsKey() });
}

/** Puts back what `snapshotLists` saved: the undo of a refused edit. */
export function restoreLists(queryClient: QueryClient, snapshot: ListsSnapshot): void {
  for (const [key, data] of snapshot) queryClient.setQueryData(key, data);
}

/** Rewrites the items of every cached page; `search` is the input of the list the page is in. */
export function editLists(
  queryClient: QueryClient,
  edit: (
    items: ContextSummary[],
    page: { index: number; search: string | undefined },
  ) => ContextSummary[],
): void {
  for (const [key, data] of queryClient.getQueriesData<ListData>({ queryKey: listsKey() })) {
    if (!data) continue;
    const search = searchOf(key);
    queryClient.setQueryData<ListData>(key, {
      ...data,
      pages: data.pages.map((page, index) => ({
        ...page,
        items: edit(page.items, { index, search }),
      })),
    });
  }
}

/** Applies `change` to the context wherever a list holds it. */
export function patchContext(
  queryClient: QueryClient,
  contextId: string,
  change: Partial<ContextSummary>,
): void {
  editLists(queryClient, (items) =>
    items.some((item) => item.id === contextId)
      ? items.map((item) => (item.id === contextId ? { ...item, ...change } : item))
      : items,
  );
}

/**
 * Puts a new context first in the lists without a search: the newest activity comes first, so
 * no refetch is needed. Lists with a search are refetched, as only the server matches titles.
 */
export function insertContext(queryClient: QueryClient, context: ContextSummary): void {
  editLists(queryClient, (items, page) =>
    page.index === 0 && !page.search && !items.some((item) => item.id === context.id)
      ? [context, ...items]
      : items,
  );
  void queryClient.invalidateQueries({
    queryKey: listsKey(),
    predicate: (query) => searchOf(query.queryKey) !== undefined,
  });
}

/** The context as a cached list holds it, if one does. */
export function cachedContext(
  queryClient: QueryClient,
  contextId: string,
): ContextSummary | undefined {
  for (const [, data] of queryClient.getQueriesData<ListData>({ queryKey: listsKey() })) {
    for (const page of data?.pages ?? []) {
      const found = page.items.find((item) => item.id === contextId);
      if (found) return found;
    }
  }
  return undefined;
}

/** Takes the context out of every list that holds it. */
export function removeContext(queryClient: QueryClient, contextId: string): void {
  editLists(queryClient, (items) => items.filter((item) => item.id !== contextId));
}

/** Refetches the lists in the background: order and activity times come from the server. */
export function refreshLists(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: listsKey() });
}

function searchOf(key: QueryKey): string | undefined {
  const meta = key[1];
  if (typeof meta !== "object" || meta === null || !("input" in meta)) return undefined;
  const input = meta.input;
  if (typeof input !== "object" || input === null || !("search" in input)) return undefined;
  return typeof input.search === "string" ? input.search : undefined;
}
