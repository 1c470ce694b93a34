// The demo agent's webhook tools. Each scopes its data to the workspaces of the conversation's
// context group (see tenancy.ts), whatever the model asks for.
import { defineTool } from "@agent-access/agents";
import { z } from "zod";
import { deliveryStats, markFailedDeliveriesForRetry } from "./db/index.ts";
import { requireWorkspaces } from "./tenancy.ts";

/** An endpoint is failing below this success rate (of finished deliveries). */
const FAILING_BELOW = 0.8;

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export const getWebhookHealth = defineTool({
  description:
    "Report the health of this workspace's webhooks: delivery success rate, p95 latency, and the endpoints that are failing.",
  inputSchema: z.object({
    sinceHours: z
      .number()
      .int()
      .min(1)
      .max(24 * 90)
      .optional()
      .describe("Only count deliveries of the last N hours. Default: every recorded delivery."),
  }),
  execute(input, context) {
    const workspaceIds = requireWorkspaces(context.db, context.contextGroup);
    const since = input.sinceHours ? context.now() - input.sinceHours * 3_600_000 : null;
    const health = deliveryStats(context.db, workspaceIds, since);
    const settled = health.succeeded + health.failed;
    const successRate = settled === 0 ? null : health.succeeded / settled;
    const failingEndpoints = health.endpoints
      .filter((e) => {
        const finished = e.succeeded + e.failed;
        return finished > 0 && e.succeeded / finished < FAILING_BELOW;
      })
      .map((e) => ({
        id: e.id,
        url: e.url,
        description: e.description,
        deliveries: e.deliveries,
        failed: e.failed,
        failedAwaitingRetry: e.failedAwaitingRetry,
        p95LatencyMs: e.p95LatencyMs,
      }));
    const summary =
      health.deliveries === 0
        ? "There are no webhook deliveries to report on yet."
        : [
            `Across ${health.deliveries} deliveries to ${health.endpoints.length} endpoints, ${successRate === null ? "none have settled yet" : `${percent(successRate)} succeeded`}; the p95 latency is ${health.p95LatencyMs} ms.`,
            failingEndpoints.length === 0
              ? "No endpoint is failing."
              : `Failing: ${failingEndpoints.map((e) => `${e.url} (${e.failed} of ${e.deliveries} failed, ${e.failedAwaitingRetry} not yet marked for retry)`).join("; ")}.`,
          ].join(" ");
    return {
      workspaces: workspaceIds.length,
      deliveries: health.deliveries,
      successRate,
      p95LatencyMs: health.p95LatencyMs,
      failingEndpoints,
      summary,
    };
  },
});

export const retryFailedDeliveries = defineTool({
  description:
    "Retry the failed webhook deliveries of this workspace, or of one of its endpoints, by marking them for another attempt.",
  inputSchema: z.object({
    endpointId: z
      .string()
      .optional()
      .describe("Only this endpoint's deliveries: an id from getWebhookHealth. Default: all."),
  }),
  needsApproval: true,
  execute(input, context) {
    const workspaceIds = requireWorkspaces(context.db, context.contextGroup);
    const result = markFailedDeliveriesForRetry(context.db, workspaceIds, {
      endpointId: input.endpointId,
      now: context.now(),
    });
    const summary =
      result.marked === 0
        ? "There were no failed deliveries left to retry."
        : `Marked ${result.marked} failed deliveries for retry: ${result.endpoints.map((e) => `${e.marked} to ${e.url}`).join(", ")}.`;
    return { ...result, summary };
  },
});
