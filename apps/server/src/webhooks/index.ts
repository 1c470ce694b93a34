// The host's webhooks: events queued with the engine's changes, and their delivery.
export { WebhookDispatcher, type WebhookDispatcherOptions } from "./dispatcher.ts";
export {
  recordWebhookEvents,
  WEBHOOK_EVENT_TYPES,
  type WebhookEventType,
  type WebhookRecorderOptions,
  webhookEventsOf,
} from "./events.ts";
