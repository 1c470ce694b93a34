// The frame of every signed-in page: header with the user and sign-out, the page, the footer.
// Without a sign-in it sends the visitor to "/".
import { useQueryClient } from "@tanstack/react-query";
import { Link, Navigate, Outlet, useNavigate } from "react-router";
import { trpc } from "../trpc.ts";
import { ServerHealth } from "./server-health.tsx";
import { Alert, Button, focusRing } from "./ui.tsx";

export function SignedInLayout() {
  const me = trpc.auth.me.useQuery(undefined, { retry: false });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const leave = () => {
    // Nothing of the signed-out user may stay in the cache for whoever signs in next.
    queryClient.clear();
    navigate("/", { replace: true });
  };
  const signOut = trpc.auth.signOut.useMutation({ onSuccess: leave });
  const signOutEverywhere = trpc.auth.signOutEverywhere.useMutation({ onSuccess: leave });

  if (me.error?.data?.code === "UNAUTHORIZED") return <Navigate to="/" replace />;

  return (
    <div className="flex min-h-screen flex-col">
      <header className="border-b border-neutral-200 dark:border-neutral-800">
        <div className="mx-auto flex max-w-5xl items-center gap-3 px-4 py-3 sm:gap-4 sm:px-6">
          <Link to="/app" className={`shrink-0 rounded font-semibold ${focusRing}`}>
            Agent Access
          </Link>
          <span className="ml-auto min-w-0 truncate text-sm text-neutral-600 dark:text-neutral-400">
            {me.data && (
              <>
                <span className="sr-only">Signed in as </span>
                {me.data.name}
                <span className="hidden sm:inline"> ({me.data.email})</span>
              </>
            )}
          </span>
          <Button
            variant="secondary"
            className="shrink-0"
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending || !me.data}
          >
            Sign out
          </Button>
          {/* On a phone the second sign-out waits in a menu, so the header keeps one line. */}
          <Button
            variant="secondary"
            className="hidden shrink-0 sm:block"
            onClick={() => signOutEverywhere.mutate()}
            disabled={signOutEverywhere.isPending || !me.data}
            title="Ends your sessions on every device"
          >
            Sign out everywhere
          </Button>
          <details className="relative shrink-0 sm:hidden">
            <summary
              aria-label="More account actions"
              className={`flex h-10 w-10 cursor-pointer list-none items-center justify-center rounded-md border border-neutral-300 dark:border-neutral-700 ${focusRing}`}
            >
              <span aria-hidden="true">⋯</span>
            </summary>
            <div className="absolute right-0 z-10 mt-2 w-56 rounded-md border border-neutral-200 bg-white p-2 shadow-lg dark:border-neutral-800 dark:bg-neutral-900">
              {me.data && (
                <p className="truncate px-2 pb-2 text-xs text-neutral-600 dark:text-neutral-400">
                  {me.data.email}
                </p>
              )}
              <Button
                variant="secondary"
                className="w-full"
                onClick={() => signOutEverywhere.mutate()}
                disabled={signOutEverywhere.isPending || !me.data}
              >
                Sign out everywhere
              </Button>
            </div>
          </details>
        </div>
      </header>
      <main className="mx-auto w-full max-w-5xl flex-1 px-4 py-6 sm:px-6 sm:py-8">
        {me.error && <Alert>Could not load your account: {me.error.message}</Alert>}
        {(signOut.error ?? signOutEverywhere.error) && (
          <Alert>Sign-out failed: {(signOut.error ?? signOutEverywhere.error)?.message}</Alert>
        )}
        {me.isPending ? <p>Loading…</p> : me.data && <Outlet />}
      </main>
      <footer className="mx-auto w-full max-w-5xl px-4 py-4 sm:px-6">
        <ServerHealth />
      </footer>
    </div>
  );
}
