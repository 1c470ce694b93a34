// "/": sign in, or create an account. Signed-in visitors go straight on to their workspaces.
import { type FormEvent, useState } from "react";
import { Navigate, useNavigate } from "react-router";
import { ServerHealth } from "../components/server-health.tsx";
import { Alert, Button, Field, focusRing, formErrors } from "../components/ui.tsx";
import { trpc } from "../trpc.ts";

type Mode = "sign-in" | "sign-up";

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

export function SignInPage() {
  const [mode, setMode] = useState<Mode>("sign-in");
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const me = trpc.auth.me.useQuery(undefined, { retry: false });
  const onSignedIn = async () => {
    await utils.auth.me.invalidate();
    navigate("/app");
  };
  const signIn = trpc.auth.signIn.useMutation({ onSuccess: onSignedIn });
  const signUp = trpc.auth.signUp.useMutation({ onSuccess: onSignedIn });
  const active = mode === "sign-in" ? signIn : signUp;
  const errors = formErrors(active.error);

  if (me.data) return <Navigate to="/app" replace />;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = text(form, "email");
    const password = text(form, "password");
    if (mode === "sign-in") signIn.mutate({ email, password });
    else signUp.mutate({ email, password, name: text(form, "name") });
  }

  function switchTo(next: Mode) {
    signIn.reset();
    signUp.reset();
    setMode(next);
  }

  return (
    <div className="flex min-h-screen flex-col items-center justify-center gap-8 p-6">
      <main className="w-full max-w-sm">
        <h1 className="text-2xl font-semibold">Agent Access</h1>
        <p className="mt-1 text-sm text-neutral-600 dark:text-neutral-400">
          Run AI agents inside your app, for your own users.
        </p>

        <div className="mt-6 grid grid-cols-2 gap-1 rounded-lg bg-neutral-100 p-1 dark:bg-neutral-800">
          {(["sign-in", "sign-up"] as const).map((option) => (
            <button
              key={option}
              type="button"
              aria-pressed={mode === option}
              onClick={() => switchTo(option)}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ${focusRing} ${
                mode === option
                  ? "bg-white shadow-sm dark:bg-neutral-950"
                  : "text-neutral-600 dark:text-neutral-400"
              }`}
            >
              {option === "sign-in" ? "Sign in" : "Create account"}
            </button>
          ))}
        </div>

        <form
          key={mode}
          onSubmit={submit}
          noValidate
          aria-labelledby="form-title"
          className="mt-6 flex flex-col gap-4"
        >
          <h2 id="form-title" className="sr-only">
            {mode === "sign-in" ? "Sign in" : "Create an account"}
          </h2>
          {errors.form && <Alert>{errors.form}</Alert>}
          {mode === "sign-up" && (
            <Field name="name" label="Name" autoComplete="name" errors={errors.field("name")} />
          )}
          <Field
            name="email"
            label="Email"
            type="email"
            autoComplete="email"
            errors={errors.field("email")}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
            hint={mode === "sign-up" ? "8 to 256 characters." : undefined}
            errors={errors.field("password")}
          />
          <Button type="submit" disabled={active.isPending}>
            {mode === "sign-in" ? "Sign in" : "Create account"}
          </Button>
          {import.meta.env.DEV && mode === "sign-in" && (
            <p className="text-xs text-neutral-600 dark:text-neutral-400">
              Development demo: demo@example.com / demo-password
            </p>
          )}
        </form>
      </main>
      <footer>
        <ServerHealth />
      </footer>
    </div>
  );
}
