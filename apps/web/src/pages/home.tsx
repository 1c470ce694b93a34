// "/app" when the app has no page of its own there: who is signed in, and where pages go.
import { trpc } from "../trpc.ts";

export function HomePage() {
  const me = trpc.auth.me.useQuery(undefined, { retry: false });
  return (
    <section aria-labelledby="home-title" className="flex flex-col gap-3">
      <h1 id="home-title" className="text-2xl font-semibold">
        {me.data ? `Signed in as ${me.data.name}` : "Signed in"}
      </h1>
      <p className="text-neutral-700 dark:text-neutral-300">
        Your app&apos;s pages go in <code>apps/web/src/app-pages.tsx</code>; its agents, routers and
        tables in <code>apps/server/src/app.config.ts</code> (README, &ldquo;Extending&rdquo;).
      </p>
    </section>
  );
}
