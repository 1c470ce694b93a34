// useToolGrants: the "always allow" answers of the browser's agent session, and a way to take
// one back. A settings panel lists them; after a revoke the tool asks for approval again.

import type { RouterOutputs } from "@agent-access/api";
import { useCallback } from "react";
import { retryUnlessRefused, toError, trpc } from "./trpc.ts";

export type ToolGrant = RouterOutputs["grant"]["list"][number];

export interface ToolGrantsState {
  /** The grants, newest first (empty while loading). */
  grants: ToolGrant[];
  loading: boolean;
  error: Error | null;
  /** Revokes one grant and reads the list again. */
  revoke: (grant: Pick<ToolGrant, "agentId" | "toolName">) => Promise<void>;
}

export interface UseToolGrantsOptions {
  /** Read only while true (e.g. once the session exists, or while the panel is open). */
  enabled?: boolean;
}

export function useToolGrants(options: UseToolGrantsOptions = {}): ToolGrantsState {
  const utils = trpc.useUtils();
  const list = trpc.grant.list.useQuery(undefined, {
    enabled: options.enabled ?? true,
    retry: retryUnlessRefused,
  });
  const mutation = trpc.grant.revoke.useMutation();
  const { mutateAsync } = mutation;
  const revoke = useCallback(
    async (grant: Pick<ToolGrant, "agentId" | "toolName">) => {
      try {
        await mutateAsync({ agentId: grant.agentId, toolName: grant.toolName });
      } finally {
        await utils.grant.list.invalidate();
      }
    },
    [mutateAsync, utils],
  );
  return {
    grants: list.data ?? [],
    loading: list.isPending && (options.enabled ?? true),
    error: list.error ? toError(list.error) : mutation.error ? toError(mutation.error) : null,
    revoke,
  };
}
