import { trpc } from "../trpc.ts";

/**
 * The server's liveness in the footer. End users see it only when the server cannot be reached;
 * the details (status, schema version) are for developers and show in development builds only.
 */
export function ServerHealth() {
  const health = trpc.health.useQuery();
  return (
    <p aria-live="polite" className="text-xs text-neutral-600 dark:text-neutral-400">
      {health.error && <span role="alert">Server unreachable: {health.error.message}</span>}
      {import.meta.env.DEV && health.isPending && "Checking the server…"}
      {import.meta.env.DEV && health.data && (
        <span data-testid="health">
          Server {health.data.status}, schema version {health.data.schemaVersion}
        </span>
      )}
    </p>
  );
}
