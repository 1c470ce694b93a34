// useAgentContexts: the session's conversations, a page at a time, with create, rename and
// delete that show at once and are undone if the server refuses them.
import { keepPreviousData } from "@tanstack/react-query";
import { useCallback, useMemo, useState, useSyncExternalStore } from "react";
import { chooseAgent } from "./choose-agent.ts";
import {
  insertContext,
  patchContext,
  removeContext,
  restoreLists,
  snapshotLists,
} from "./context-cache.ts";
import { type DateGroup, groupContextsByDate } from "./date-groups.ts";
import { useSessionController } from "./provider.tsx";
import { retryUnlessRefused, toError, trpc } from "./trpc.ts";
import type { ContextSummary } from "./types.ts";

/** Options of useAgentContexts. */
export interface UseAgentContextsOptions {
  /** Fetch only when true, e.g. `enabled: hasSession`. Default true. */
  enabled?: boolean;
  /** Conversations per page, 1 to 100. Default 20. */
  limit?: number;
  /** Only conversations whose title contains this text (matched literally). Default: all. */
  search?: string;
}

/** What createContext takes. */
export interface CreateContextInput {
  title?: string;
  /** The agent's id (`AgentInfo.id`). Default: the session's active agent (see setActiveAgent). */
  agentId?: string;
  /** Sends this message at once, in the same request. */
  firstMessage?: string;
}

/** What useAgentContexts returns. */
export interface AgentContextsState {
  /** The conversations loaded so far, most recently active first. */
  contexts: ContextSummary[];
  /**
   * `contexts` by when they were last active, in the user's local time: `today`, `yesterday`,
   * `previous7Days`, `older` (empty groups left out), each in the list's order.
   */
  groups: DateGroup<ContextSummary>[];
  /** Starts a conversation; resolves to it, or to null (with `error`) if the server refused. */
  createContext: (input?: CreateContextInput) => Promise<ContextSummary | null>;
  /** Renames a conversation at once; the old title comes back if the server refuses. */
  updateContext: (contextId: string, change: { title: string }) => Promise<ContextSummary | null>;
  /** Removes a conversation at once; it comes back if the server refuses. */
  deleteContext: (contextId: string) => Promise<boolean>;
  /** More conversations exist than are loaded. */
  hasMore: boolean;
  /** Loads the next page. */
  loadMore: () => Promise<void>;
  /** The first page is loading. */
  loading: boolean;
  /** The last failure: of loading, or of a create, rename or delete. */
  error: Error | null;
}

/**
 * The agent session's conversations, most recently active first. Create, rename and delete
 * change every list on screen at once; a refused change is undone and lands in `error`.
 * Actions never reject, so `onClick={() => createContext(...)}` needs no catch.
 */
export function useAgentContexts(options: UseAgentContextsOptions = {}): AgentContextsState {
  const { enabled = true, limit = 20 } = options;
  const search = options.search?.trim() || undefined;
  const controller = useSessionController();
  const { activeAgentId } = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const utils = trpc.useUtils();
  const queryClient = controller.queryClient;
  const [actionError, setActionError] = useState<Error | null>(null);

  const list = trpc.context.list.useInfiniteQuery(
    { limit, search },
    {
      enabled,
      getNextPageParam: (page) => page.nextCursor,
      // While the search changes, keep the previous results on screen instead of a blank list.
      placeholderData: keepPreviousData,
      retry: retryUnlessRefused,
    },
  );

  const contexts = useMemo(() => {
    // An optimistic insert and a refetched page may briefly hold the same context.
    const seen = new Set<string>();
    return (list.data?.pages ?? [])
      .flatMap((page) => page.items)
      .filter((item) => !seen.has(item.id) && Boolean(seen.add(item.id)));
  }, [list.data]);

  // mutateAsync is stable across renders; the mutation objects around it are not.
  const create = trpc.context.create.useMutation().mutateAsync;
  const rename = trpc.context.rename.useMutation().mutateAsync;
  const remove = trpc.context.delete.useMutation().mutateAsync;

  const createContext = useCallback(
    async (input: CreateContextInput = {}) => {
      setActionError(null);
      const session = utils.session.current.getData();
      const agentId = chooseAgent(session?.agents ?? [], { agentId: input.agentId, activeAgentId });
      try {
        // A context has no id until the server gives it one, and an invented id would reach
        // useAgentContext, rename or delete and fail there; so the new context enters the
        // lists the moment the answer arrives, before any refetch.
        const { context } = await create({
          title: input.title,
          firstMessage: input.firstMessage,
          agentId,
        });
        insertContext(queryClient, context);
        utils.context.get.setData({ contextId: context.id }, context);
        return context;
      } catch (error) {
        setActionError(toError(error));
        return null;
      }
    },
    [activeAgentId, create, queryClient, utils],
  );

  const updateContext = useCallback(
    async (contextId: string, change: { title: string }) => {
      setActionError(null);
      const before = await snapshotLists(queryClient);
      patchContext(queryClient, contextId, { title: change.title });
      try {
        const context = await rename({ contextId, title: change.title });
        patchContext(queryClient, contextId, context);
        utils.context.get.setData({ contextId }, context);
        return context;
      } catch (error) {
        restoreLists(queryClient, before);
        setActionError(toError(error));
        return null;
      }
    },
    [queryClient, rename, utils],
  );

  const deleteContext = useCallback(
    async (contextId: string) => {
      setActionError(null);
      const before = await snapshotLists(queryClient);
      removeContext(queryClient, contextId);
      try {
        await remove({ contextId });
        return true;
      } catch (error) {
        restoreLists(queryClient, before);
        setActionError(toError(error));
        return false;
      }
    },
    [queryClient, remove],
  );

  const fetchNextPage = list.fetchNextPage;
  const loadMore = useCallback(async () => {
    await fetchNextPage();
  }, [fetchNextPage]);

  // Against the clock when the list changes: a list left open over midnight regroups with its
  // next change.
  const groups = useMemo(() => groupContextsByDate(contexts), [contexts]);

  return {
    contexts,
    groups,
    createContext,
    updateContext,
    deleteContext,
    hasMore: list.hasNextPage,
    loadMore,
    loading: enabled && list.isLoading,
    error: actionError ?? (list.error ? toError(list.error) : null),
  };
}
