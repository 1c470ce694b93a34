import { trpc } from "../trpc.ts";

/** The server's liveness in the footer; also proof that the typed hooks reach the server. */
export function ServerHealth() {
  const health = trpc.health.useQuery();
  return (
    <p aria-live="polite" className="text-xs text-neutral-600 dark:text-neutral-400">
      {health.isPending && "Checking the server…"}
      {health.error && <span role="alert">Server unreachable: {health.error.message}</span>}
      {health.data && (
        <span data-testid="health">
          Server {health.data.status}, schema version {health.data.schemaVersion}
        </span>
      )}
    </p>
  );
}
