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
        <div className="mx-auto flex max-w-5xl flex-wrap items-center gap-4 px-6 py-3">
          <Link to="/app" className={`rounded font-semibold ${focusRing}`}>
            Agent Access
          </Link>
          <span className="ml-auto text-sm text-neutral-600 dark:text-neutral-400">
            {me.data && (
              <>
                <span className="sr-only">Signed in as </span>
                {me.data.name} ({me.data.email})
              </>
            )}
          </span>
          <Button
            variant="secondary"
            onClick={() => signOut.mutate()}
            disabled={signOut.isPending || !me.data}
          >
            Sign out
          </Button>
          <Button
            variant="secondary"
            onClick={() => signOutEverywhere.mutate()}
            disabled={signOutEverywhere.isPending || !me.data}
            title="Ends your sessions on every device"
          >
            Sign out everywhere
          </Button>
        </div>
      </header>
      <main className="mx-auto w-full max-w-5xl flex-1 px-6 py-8">
        {me.error && <Alert>Could not load your account: {me.error.message}</Alert>}
        {(signOut.error ?? signOutEverywhere.error) && (
          <Alert>Sign-out failed: {(signOut.error ?? signOutEverywhere.error)?.message}</Alert>
        )}
        {me.isPending ? <p>Loading…</p> : me.data && <Outlet />}
      </main>
      <footer className="mx-auto w-full max-w-5xl px-6 py-4">
        <ServerHealth />
      </footer>
    </div>
  );
}
