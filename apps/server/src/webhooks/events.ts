// The host's webhook events, made from the run engine's changes inside the same transaction
// (the engine's onCommit hook): an event is queued if and only if its change commits. Payloads
// follow the Standard Webhooks shape { type, timestamp, data } and hold ids, states and usage,
// never what users or models wrote: a receiver reads that through the host API.
import type { CommitHook, CommittedChange, ContextEvent } from "@agent-access/agents";
import {
  type ContextRow,
  endpointsFor,
  enqueueWebhookEvent,
  getContextById,
} from "@agent-access/db";

export const WEBHOOK_EVENT_TYPES = [
  "run.finished",
  "approval.requested",
  "input.requested",
  "context.created",
  "context.deleted",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

type EventData = Record<string, unknown>;

function fromEngineEvent(event: ContextEvent): [WebhookEventType, EventData] | null {
  if (event.type === "run.finished") {
    return [
      "run.finished",
      {
        run_id: event.runId,
        status: event.status,
        usage: {
          input_tokens: event.usage.inputTokens,
          output_tokens: event.usage.outputTokens,
          total_tokens: event.usage.totalTokens,
        },
        ...(event.error === undefined ? {} : { error: event.error }),
      },
    ];
  }
  if (event.type === "run.waiting") {
    return [
      event.reason === "approval" ? "approval.requested" : "input.requested",
      {
        run_id: event.runId,
        message_id: event.messageId,
        tool_call_id: event.toolCallId,
        tool_name: event.toolName,
      },
    ];
  }
  return null;
}

/** The webhook events one commit makes, in the order it made them. */
export function webhookEventsOf(
  change: CommittedChange,
): { type: WebhookEventType; data: EventData }[] {
  const events: { type: WebhookEventType; data: EventData }[] = [];
  if (change.lifecycle === "created") events.push({ type: "context.created", data: {} });
  for (const { event } of change.events) {
    const made = fromEngineEvent(event);
    if (made) events.push({ type: made[0], data: made[1] });
  }
  if (change.lifecycle === "deleted") events.push({ type: "context.deleted", data: {} });
  return events;
}

function contextData(context: ContextRow): EventData {
  return {
    context_id: context.id,
    context_group: context.context_group,
    agent_id: context.agent_id,
  };
}

export interface WebhookRecorderOptions {
  /** The clock of the events' timestamps, in epoch ms. Default Date.now. */
  now?: () => number;
  /** Called (after the current transaction) when events were queued; the dispatcher's wake. */
  onQueued?: () => void;
}

/** The engine hook that queues webhook events in the outbox of every subscribed endpoint. */
export function recordWebhookEvents(options: WebhookRecorderOptions = {}): CommitHook {
  const now = options.now ?? Date.now;
  const hook: CommitHook = async (db, change) => {
    const events = webhookEventsOf(change);
    if (events.length === 0) return;
    // The endpoints first: most commits (every finished run) have an event type that no
    // endpoint takes, and then the context is not read at all.
    const targets: { event: (typeof events)[number]; endpoints: { id: string }[] }[] = [];
    for (const event of events) {
      const endpoints = await endpointsFor(db, event.type);
      if (endpoints.length > 0) targets.push({ event, endpoints });
    }
    if (targets.length === 0) return;
    const context = await getContextById(db, change.contextId);
    if (!context) return;
    const at = now();
    let queued = 0;
    for (const { event, endpoints } of targets) {
      const payload = JSON.stringify({
        type: event.type,
        timestamp: new Date(at).toISOString(),
        data: { ...contextData(context), ...event.data },
      });
      queued += await enqueueWebhookEvent(
        db,
        {
          type: event.type,
          contextId: context.id,
          contextGroup: context.context_group,
          payload,
        },
        at,
        endpoints,
      );
    }
    // A microtask runs once the synchronous transaction has committed (or rolled back).
    if (queued > 0 && options.onQueued) queueMicrotask(options.onQueued);
  };
  // A reply's text makes no webhook event: its commits need not pass here.
  hook.textCommits = false;
  return hook;
}
