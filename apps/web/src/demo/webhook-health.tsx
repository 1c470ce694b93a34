// The workspace demo's renderer of getWebhookHealth's result: the figures in a line and the
// failing endpoints as a small table, instead of the JSON a tool card shows by default. Wired
// in through the app's toolRenderers (../tool-renderers.ts).
import { type ToolResultProps, useAgentUi } from "@agent-access/react";
import { useStrings } from "../agent/i18n/use-strings.ts";

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

export function WebhookHealthTable({ output }: ToolResultProps) {
  const { t } = useStrings();
  const { formatNumber } = useAgentUi();
  // A result of another shape (an older tool version): the card's JSON still shows it.
  if (!isHealth(output)) return null;
  const count = (value: number) => formatNumber(value);
  const figures = [
    t("demo.health.deliveries", { count: count(output.deliveries) }),
    output.successRate === null
      ? null
      : t("demo.health.succeeded", {
          share: formatNumber(output.successRate, { style: "percent", maximumFractionDigits: 1 }),
        }),
    output.p95LatencyMs === null ? null : t("demo.health.p95", { ms: count(output.p95LatencyMs) }),
  ].filter(Boolean);
  return (
    <div className="flex flex-col gap-2" data-testid="webhook-health">
      <p className="text-neutral-700 dark:text-neutral-300">{figures.join(" · ")}</p>
      {output.failingEndpoints.length === 0 ? (
        <p className="text-green-800 dark:text-green-300">{t("demo.health.noneFailing")}</p>
      ) : (
        <table className="w-full border-collapse text-left text-xs">
          <caption className="pb-1 text-left font-medium">{t("demo.health.failing")}</caption>
          <thead>
            <tr className="border-b border-neutral-200 dark:border-neutral-800">
              <th scope="col" className="py-1 pr-2 font-medium">
                {t("demo.health.endpoint")}
              </th>
              <th scope="col" className="py-1 pr-2 text-right font-medium">
                {t("demo.health.failed")}
              </th>
              <th scope="col" className="py-1 text-right font-medium">
                {t("demo.health.total")}
              </th>
            </tr>
          </thead>
          <tbody>
            {output.failingEndpoints.map((endpoint) => (
              <tr key={endpoint.id} className="border-b border-neutral-100 dark:border-neutral-900">
                <td className="py-1 pr-2 font-mono break-all">{endpoint.url}</td>
                <td className="py-1 pr-2 text-right text-red-700 dark:text-red-400">
                  {count(endpoint.failed)}
                </td>
                <td className="py-1 text-right">{count(endpoint.deliveries)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
