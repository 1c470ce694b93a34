// "/app/w/:id": one workspace: its webhook endpoints with their recent delivery health (the data
// the demo agent will read), and its members.
import { lazy, Suspense } from "react";
import { Link, useParams } from "react-router";
import { Alert, focusRing } from "../components/ui.tsx";
import { type RouterOutputs, trpc } from "../trpc.ts";

// The agent section (chat UI, Markdown) loads on its own, after the workspace's own data.
const WorkspaceAgent = lazy(() =>
  import("./workspace-agent.tsx").then((module) => ({ default: module.WorkspaceAgent })),
);

type Endpoint = RouterOutputs["workspace"]["get"]["endpoints"][number];

const STATUS_LOOK: Record<Endpoint["status"], { label: string; className: string }> = {
  healthy: {
    label: "Healthy",
    className: "bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200",
  },
  degraded: {
    label: "Degraded",
    className: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  },
  failing: {
    label: "Failing",
    className: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  },
  no_deliveries: {
    label: "No deliveries",
    className: "bg-neutral-100 text-neutral-800 dark:bg-neutral-800 dark:text-neutral-200",
  },
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function percent(rate: number | null): string {
  return rate === null ? "–" : `${(rate * 100).toFixed(1)}%`;
}

function milliseconds(ms: number | null): string {
  return ms === null ? "–" : `${ms.toLocaleString()} ms`;
}

/** The endpoints as cards on a phone, where six columns would need sideways scrolling. */
function EndpointCards({ endpoints }: { endpoints: Endpoint[] }) {
  return (
    <ul className="mt-4 flex flex-col gap-3 sm:hidden" aria-label="Webhook endpoints">
      {endpoints.map((endpoint) => {
        const look = STATUS_LOOK[endpoint.status];
        return (
          <li
            key={endpoint.id}
            className="rounded-lg border border-neutral-200 p-3 text-sm dark:border-neutral-800"
            data-testid="endpoint-card"
          >
            <div className="flex items-start justify-between gap-2">
              <div className="min-w-0">
                <p className="font-medium break-words">{endpoint.description || endpoint.url}</p>
                <p className="font-mono text-xs break-all text-neutral-600 dark:text-neutral-400">
                  {endpoint.url}
                </p>
              </div>
              <span
                className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-medium ${look.className}`}
              >
                {look.label}
              </span>
            </div>
            <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-1">
              <dt className="text-neutral-600 dark:text-neutral-400">Success rate</dt>
              <dd className="text-right tabular-nums">{percent(endpoint.successRate)}</dd>
              <dt className="text-neutral-600 dark:text-neutral-400">p95 latency</dt>
              <dd className="text-right tabular-nums">{milliseconds(endpoint.p95DurationMs)}</dd>
              <dt className="text-neutral-600 dark:text-neutral-400">Failed / deliveries</dt>
              <dd className="text-right tabular-nums">
                {endpoint.failed} / {endpoint.deliveries}
                {endpoint.pending > 0 && ` (${endpoint.pending} pending)`}
              </dd>
              <dt className="text-neutral-600 dark:text-neutral-400">Last delivery</dt>
              <dd className="text-right">
                {endpoint.lastDeliveryAt === null ? "–" : dateTime.format(endpoint.lastDeliveryAt)}
              </dd>
            </dl>
          </li>
        );
      })}
    </ul>
  );
}

function BackLink() {
  return (
    <Link
      to="/app"
      className={`rounded text-sm text-blue-700 underline dark:text-blue-400 ${focusRing}`}
    >
      ← All workspaces
    </Link>
  );
}

export function WorkspacePage() {
  const { id = "" } = useParams();
  const workspace = trpc.workspace.get.useQuery({ workspaceId: id }, { retry: false });

  if (workspace.isPending) return <p>Loading…</p>;
  if (workspace.error) {
    return (
      <div className="flex flex-col gap-4">
        <BackLink />
        <Alert>{workspace.error.message}</Alert>
      </div>
    );
  }

  const { name, role, endpoints, members } = workspace.data;
  const failing = endpoints.filter((e) => e.status === "failing" || e.status === "degraded");
  const failedDeliveries = endpoints.reduce((sum, e) => sum + e.failed, 0);

  return (
    <div className="flex flex-col gap-8">
      <div>
        <BackLink />
        <h1 className="mt-2 text-2xl font-semibold">{name}</h1>
        <p className="text-sm text-neutral-600 dark:text-neutral-400">You are its {role}.</p>
      </div>

      <section aria-labelledby="endpoints-title">
        <h2 id="endpoints-title" className="text-lg font-semibold">
          Webhook endpoints
        </h2>
        <p className="mt-1 text-sm text-neutral-600 dark:text-neutral-400">
          Health from each endpoint's latest deliveries: {endpoints.length - failing.length} of{" "}
          {endpoints.length} healthy or idle, {failedDeliveries} failed deliveries.
        </p>
        {endpoints.length === 0 ? (
          <p className="mt-4">No webhook endpoints in this workspace.</p>
        ) : (
          <>
            <EndpointCards endpoints={endpoints} />
            <div className="mt-4 hidden overflow-x-auto rounded-lg border border-neutral-200 sm:block dark:border-neutral-800">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">
                  Webhook endpoints and their recent delivery health
                </caption>
                <thead className="bg-neutral-50 text-neutral-700 dark:bg-neutral-900 dark:text-neutral-300">
                  <tr>
                    <th scope="col" className="px-4 py-2 font-medium">
                      Endpoint
                    </th>
                    <th scope="col" className="px-4 py-2 font-medium">
                      Status
                    </th>
                    <th scope="col" className="px-4 py-2 text-right font-medium">
                      Success rate
                    </th>
                    <th scope="col" className="px-4 py-2 text-right font-medium">
                      p95 latency
                    </th>
                    <th scope="col" className="px-4 py-2 text-right font-medium">
                      Failed / deliveries
                    </th>
                    <th scope="col" className="px-4 py-2 font-medium">
                      Last delivery
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-neutral-200 dark:divide-neutral-800">
                  {endpoints.map((endpoint) => {
                    const look = STATUS_LOOK[endpoint.status];
                    return (
                      <tr key={endpoint.id}>
                        <th scope="row" className="px-4 py-3 font-normal">
                          <div className="font-medium">{endpoint.description || endpoint.url}</div>
                          <div className="font-mono text-xs text-neutral-600 dark:text-neutral-400">
                            {endpoint.url}
                          </div>
                        </th>
                        <td className="px-4 py-3">
                          <span
                            className={`rounded-full px-2 py-0.5 text-xs font-medium ${look.className}`}
                          >
                            {look.label}
                          </span>
                        </td>
                        <td className="px-4 py-3 text-right tabular-nums">
                          {percent(endpoint.successRate)}
                        </td>
                        <td className="px-4 py-3 text-right tabular-nums">
                          {milliseconds(endpoint.p95DurationMs)}
                        </td>
                        <td className="px-4 py-3 text-right tabular-nums">
                          {endpoint.failed} / {endpoint.deliveries}
                          {endpoint.pending > 0 && ` (${endpoint.pending} pending)`}
                        </td>
                        <td className="px-4 py-3">
                          {endpoint.lastDeliveryAt === null
                            ? "–"
                            : dateTime.format(endpoint.lastDeliveryAt)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <Suspense fallback={<p role="status">Loading the agent…</p>}>
        <WorkspaceAgent workspaceId={id} />
      </Suspense>

      <section aria-labelledby="members-title">
        <h2 id="members-title" className="text-lg font-semibold">
          Members
        </h2>
        <ul className="mt-3 flex flex-col gap-1 text-sm">
          {members.map((member) => (
            <li key={member.userId}>
              {member.name}{" "}
              <span className="text-neutral-600 dark:text-neutral-400">({member.email})</span> –{" "}
              {member.role}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
