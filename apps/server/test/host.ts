// Helpers for tests of the host API and its webhooks: conversations made through the run engine
// as a browser's session would, and /v1 requests with a real API key.
import type { AgentScope, ContextEvent, SequencedEvent } from "@agent-access/agents";
import type { TestServer } from "./harness.ts";

export function scopeOf(contextGroup: string, agentId = "test-assistant"): AgentScope {
  return { contextGroup, agentIds: [agentId] };
}

/** Follows a context's events until one passes `stop`; returns them all. */
export async function eventsUntil(
  server: TestServer,
  scope: AgentScope,
  contextId: string,
  stop: (event: ContextEvent) => boolean,
): Promise<SequencedEvent[]> {
  const controller = new AbortController();
  const seen: SequencedEvent[] = [];
  for await (const item of await server.runtime.events(scope, contextId, {
    signal: controller.signal,
  })) {
    seen.push(item);
    if (stop(item.event)) break;
  }
  controller.abort();
  return seen;
}

export const settled = (event: ContextEvent) =>
  event.type === "run.finished" || event.type === "run.waiting";

/** A new context whose first message has been answered (or is waiting for the user). */
export async function converse(
  server: TestServer,
  scope: AgentScope,
  text: string,
): Promise<{ contextId: string; events: SequencedEvent[] }> {
  const { context } = await server.runtime.createContext(scope, {
    agentId: scope.agentIds[0]!,
    firstMessage: text,
  });
  return { contextId: context.id, events: await eventsUntil(server, scope, context.id, settled) };
}

/** Sends one more message in a context and waits until its run settles. */
export async function reply(
  server: TestServer,
  scope: AgentScope,
  contextId: string,
  text: string,
): Promise<SequencedEvent[]> {
  const { runId } = await server.runtime.send(scope, contextId, { text });
  return eventsUntil(
    server,
    scope,
    contextId,
    (event) => settled(event) && "runId" in event && event.runId === runId,
  );
}

/** Rates the newest reply of a context as its user would (Good or Bad response). */
export async function rate(
  server: TestServer,
  scope: AgentScope,
  contextId: string,
  rating: "good" | "bad",
  comment?: string,
): Promise<string> {
  const { items } = await server.runtime.listMessages(scope, contextId, { limit: 10 });
  const replyId = items.findLast((message) => message.role === "assistant")!.id;
  await server.runtime.setFeedback(scope, contextId, { messageId: replyId, rating, comment });
  return replyId;
}

/** A /v1 request with `key` as the Bearer token (none when null). */
export async function v1<T = unknown>(
  server: TestServer,
  key: string | null,
  path: string,
  method: "GET" | "DELETE" | "POST" = "GET",
): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}
