import { trpc } from "../trpc.ts";

/** The shell's first page: proves the typed hooks reach the server and its database. */
export function HomePage() {
  const health = trpc.health.useQuery();
  return (
    <main className="mx-auto max-w-xl p-8 font-sans">
      <h1 className="text-2xl font-semibold">Agent Access</h1>
      <p className="mt-2 text-neutral-600 dark:text-neutral-400">
        Run AI agents inside your app, for your own users.
      </p>
      <section
        aria-label="Server health"
        className="mt-6 rounded-lg border border-neutral-300 p-4 dark:border-neutral-700"
      >
        {health.isPending && <p>Checking the server…</p>}
        {health.error && <p role="alert">Server unreachable: {health.error.message}</p>}
        {health.data && (
          <p data-testid="health">
            Server {health.data.status}, schema version {health.data.schemaVersion}
          </p>
        )}
      </section>
    </main>
  );
}
