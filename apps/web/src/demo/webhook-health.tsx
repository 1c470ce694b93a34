// The workspace demo's renderer of getWebhookHealth's result: the figures in a line and the
// failing endpoints as a small table, instead of the JSON a tool card shows by default. Wired
// in through the app's toolRenderers (../tool-renderers.ts).
import type { ToolResultProps } from "@agent-access/react";

/** getWebhookHealth's result (examples' workspace demo tools), as far as the table reads it. */
interface WebhookHealth {
  deliveries: number;
  successRate: number | null;
  p95LatencyMs: number | null;
  failingEndpoints: { id: string; url: string; deliveries: number; failed: number }[];
}

function isHealth(value: unknown): value is WebhookHealth {
  const health = value as Partial<WebhookHealth> | null;
  return typeof health?.deliveries === "number" && Array.isArray(health.failingEndpoints);
}

const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const count = new Intl.NumberFormat();

export function WebhookHealthTable({ output }: ToolResultProps) {
  // A result of another shape (an older tool version): the card's JSON still shows it.
  if (!isHealth(output)) return null;
  const figures = [
    `${count.format(output.deliveries)} deliveries`,
    output.successRate === null ? null : `${percent.format(output.successRate)} succeeded`,
    output.p95LatencyMs === null ? null : `p95 ${count.format(output.p95LatencyMs)} ms`,
  ].filter(Boolean);
  return (
    <div className="flex flex-col gap-2" data-testid="webhook-health">
      <p className="text-neutral-700 dark:text-neutral-300">{figures.join(" · ")}</p>
      {output.failingEndpoints.length === 0 ? (
        <p className="text-green-800 dark:text-green-300">No endpoint is failing.</p>
      ) : (
        <table className="w-full border-collapse text-left text-xs">
          <caption className="pb-1 text-left font-medium">Failing endpoints</caption>
          <thead>
            <tr className="border-b border-neutral-200 dark:border-neutral-800">
              <th scope="col" className="py-1 pr-2 font-medium">
                Endpoint
              </th>
              <th scope="col" className="py-1 pr-2 text-right font-medium">
                Failed
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                Deliveries
              </th>
            </tr>
          </thead>
          <tbody>
            {output.failingEndpoints.map((endpoint) => (
              <tr key={endpoint.id} className="border-b border-neutral-100 dark:border-neutral-900">
                <td className="py-1 pr-2 font-mono break-all">{endpoint.url}</td>
                <td className="py-1 pr-2 text-right text-red-700 dark:text-red-400">
                  {count.format(endpoint.failed)}
                </td>
                <td className="py-1 text-right">{count.format(endpoint.deliveries)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
