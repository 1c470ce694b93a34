// "/app": the signed-in user's workspaces, and a form to create one.
import type { FormEvent } from "react";
import { Link, useNavigate } from "react-router";
import { Alert, Button, Field, focusRing, formErrors } from "../components/ui.tsx";
import { trpc } from "../trpc.ts";

export function WorkspacesPage() {
  const workspaces = trpc.workspace.list.useQuery();
  const utils = trpc.useUtils();
  const navigate = useNavigate();
  const create = trpc.workspace.create.useMutation({
    onSuccess: async (workspace) => {
      await utils.workspace.list.invalidate();
      navigate(`/app/w/${workspace.id}`);
    },
  });
  const errors = formErrors(create.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = new FormData(event.currentTarget).get("name");
    create.mutate({ name: typeof name === "string" ? name : "" });
  }

  return (
    <div className="flex flex-col gap-8">
      <section aria-labelledby="workspaces-title">
        <h1 id="workspaces-title" className="text-2xl font-semibold">
          Your workspaces
        </h1>
        {workspaces.isPending && <p className="mt-4">Loading…</p>}
        {workspaces.error && <Alert>Could not load workspaces: {workspaces.error.message}</Alert>}
        {workspaces.data?.length === 0 && (
          <p className="mt-4 text-neutral-600 dark:text-neutral-400">
            No workspaces yet: create your first one below.
          </p>
        )}
        {workspaces.data && workspaces.data.length > 0 && (
          <ul className="mt-4 divide-y divide-neutral-200 rounded-lg border border-neutral-200 dark:divide-neutral-800 dark:border-neutral-800">
            {workspaces.data.map((workspace) => (
              <li key={workspace.id}>
                <Link
                  to={`/app/w/${workspace.id}`}
                  className={`flex items-center justify-between px-4 py-3 hover:bg-neutral-50 dark:hover:bg-neutral-900 ${focusRing}`}
                >
                  <span className="font-medium">{workspace.name}</span>
                  <span className="text-sm text-neutral-600 dark:text-neutral-400">
                    {workspace.role}
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="create-title" className="max-w-sm">
        <h2 id="create-title" className="text-lg font-semibold">
          Create a workspace
        </h2>
        <form onSubmit={submit} noValidate className="mt-3 flex flex-col gap-4">
          {errors.form && <Alert>{errors.form}</Alert>}
          <Field name="name" label="Workspace name" errors={errors.field("name")} />
          <Button type="submit" disabled={create.isPending} className="self-start">
            Create workspace
          </Button>
        </form>
      </section>
    </div>
  );
}
