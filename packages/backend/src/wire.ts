// The REST API's JSON (snake_case) turned into the SDK's types. Message parts are passed as
// they are: their keys are already camelCase, and tool inputs and outputs are the tools' own.
import type {
  AgentUiSettings,
  Context,
  Erasure,
  Feedback,
  Message,
  UsageFigures,
  UsageReport,
} from "./types.ts";

export interface WireContext {
  id: string;
  context_group: string;
  agent_id: string;
  title: string;
  status: Context["status"];
  created_at: number;
  updated_at: number;
  last_activity_at: number;
}

export interface WireMessage {
  id: string;
  seq: number;
  role: Message["role"];
  parts: Message["parts"];
  run_id: string | null;
  created_at: number;
}

export interface WireErasure {
  erased: {
    contexts: number;
    messages: number;
    events: number;
    runs: number;
    feedback: number;
    tool_grants: number;
    agent_sessions: number;
    tickets: number;
    files: number;
  };
  cancelled_runs: number;
}

export interface WireFeedback {
  message_id: string;
  context_id: string;
  context_group: string;
  rating: Feedback["rating"];
  comment: string | null;
  created_at: number;
  updated_at: number;
}

interface WireFigures {
  runs: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  tool_calls: number;
}

export interface WireUsage {
  context_group: string | null;
  from: number;
  to: number;
  group_by: UsageReport["groupBy"];
  buckets: (WireFigures & { key: string })[];
  totals: WireFigures;
}

export function toContext(wire: WireContext): Context {
  return {
    id: wire.id,
    contextGroup: wire.context_group,
    agentId: wire.agent_id,
    title: wire.title,
    status: wire.status,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
    lastActivityAt: wire.last_activity_at,
  };
}

export function toMessage(wire: WireMessage): Message {
  return {
    id: wire.id,
    seq: wire.seq,
    role: wire.role,
    parts: wire.parts,
    runId: wire.run_id,
    createdAt: wire.created_at,
  };
}

export function toErasure(wire: WireErasure): Erasure {
  const { erased } = wire;
  return {
    erased: {
      contexts: erased.contexts,
      messages: erased.messages,
      events: erased.events,
      runs: erased.runs,
      feedback: erased.feedback,
      toolGrants: erased.tool_grants,
      agentSessions: erased.agent_sessions,
      tickets: erased.tickets,
      files: erased.files,
    },
    cancelledRuns: wire.cancelled_runs,
  };
}

export function toFeedback(wire: WireFeedback): Feedback {
  return {
    messageId: wire.message_id,
    contextId: wire.context_id,
    contextGroup: wire.context_group,
    rating: wire.rating,
    comment: wire.comment,
    createdAt: wire.created_at,
    updatedAt: wire.updated_at,
  };
}

function toFigures(wire: WireFigures): UsageFigures {
  return {
    runs: wire.runs,
    inputTokens: wire.input_tokens,
    outputTokens: wire.output_tokens,
    totalTokens: wire.total_tokens,
    toolCalls: wire.tool_calls,
  };
}

export function toUsage(wire: WireUsage): UsageReport {
  return {
    contextGroup: wire.context_group,
    from: wire.from,
    to: wire.to,
    groupBy: wire.group_by,
    buckets: wire.buckets.map((bucket) => ({ key: bucket.key, ...toFigures(bucket) })),
    totals: toFigures(wire.totals),
  };
}

/** A ticket's UI settings as the REST API takes them (snake_case); unset fields left out. */
export function uiWire(ui: AgentUiSettings): Record<string, string | number> {
  const wire: Record<string, string | number | undefined> = {
    accent_color: ui.accentColor,
    radius: ui.radius,
    density: ui.density,
    color_scheme: ui.colorScheme,
    locale: ui.locale,
  };
  return Object.fromEntries(
    Object.entries(wire).filter(
      (entry): entry is [string, string | number] => entry[1] !== undefined,
    ),
  );
}
