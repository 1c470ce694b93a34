// The zod schemas of the host API (/v1): they validate each request and, through zod-openapi,
// make the OpenAPI document, so the two cannot drift apart. Responses are typed by them too.
import { z } from "zod";

/**
 * Page sizes: contexts 1 to 100 (default 20), messages 1 to 200 (default 50), feedback 1 to 100
 * (default 50).
 */
export const LIMITS = {
  contexts: { max: 100, default: 20 },
  messages: { max: 200, default: 50 },
  feedback: { max: 100, default: 50 },
} as const;

const epochMs = (description: string) => z.number().int().meta({ description });

/** The `limit` of a page: 1 to `max`, `default` when left out. */
const pageSize = (limits: { max: number; default: number }) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(limits.max)
    .default(limits.default)
    .meta({ description: `Page size, 1 to ${limits.max}.` });

const cursorParam = z.string().max(512).optional().meta({
  description: "next_cursor of the previous page; leave out for the first page.",
});

export const contextGroupParam = z.string().min(1).max(256).meta({
  description: "The context group, e.g. workspace:42:user:7, as named when minting tickets.",
  example: "workspace:42:user:7",
});

export const contextStatusSchema = z
  .enum(["idle", "running", "waiting_for_approval", "waiting_for_input"])
  .meta({ id: "ContextStatus" });

export const runStatusSchema = z
  .enum(["completed", "failed", "cancelled", "interrupted"])
  .meta({ id: "FinishedRunStatus" });

export const contextSchema = z
  .object({
    id: z.string(),
    context_group: z.string(),
    agent_id: z.string(),
    title: z.string(),
    status: contextStatusSchema,
    created_at: epochMs("Epoch milliseconds."),
    updated_at: epochMs("Epoch milliseconds."),
    last_activity_at: epochMs("Epoch milliseconds of the newest event."),
  })
  .meta({ id: "Context" });

const jsonValue = z.unknown().meta({ description: "Any JSON value." });

export const messagePartSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("text"), text: z.string() }).meta({ id: "TextPart" }),
    z
      .object({
        type: z.literal("tool-call"),
        toolCallId: z.string(),
        toolName: z.string(),
        input: jsonValue,
        state: z.enum([
          "running",
          "awaiting-approval",
          "awaiting-input",
          "completed",
          "denied",
          "failed",
          "cancelled",
        ]),
        output: jsonValue.optional(),
        error: z.string().optional(),
        question: z.string().optional(),
      })
      .meta({ id: "ToolCallPart" }),
  ])
  .meta({ id: "MessagePart" });

export const messageSchema = z
  .object({
    id: z.string(),
    seq: z.number().int().meta({ description: "Order within the context, from 1." }),
    role: z.enum(["user", "assistant"]),
    parts: z.array(messagePartSchema),
    run_id: z.string().nullable().meta({ description: "The run that wrote an assistant message." }),
    created_at: epochMs("Epoch milliseconds."),
  })
  .meta({ id: "Message" });

export const listContextsQuery = z.object({
  context_group: contextGroupParam,
  cursor: cursorParam,
  limit: pageSize(LIMITS.contexts),
  status: contextStatusSchema.optional(),
  agent_id: z.string().min(1).max(128).optional(),
});

export const contextPage = z
  .object({
    data: z.array(contextSchema).meta({ description: "Newest activity first." }),
    next_cursor: z.string().nullable().meta({ description: "null on the last page." }),
  })
  .meta({ id: "ContextPage" });

export const contextIdPath = z.object({
  id: z.string().min(1).max(128).meta({ description: "The context's id (ctx_…)." }),
});

export const listMessagesQuery = z.object({
  before: z.string().min(1).max(128).optional().meta({
    description: "A message id: the page ends just before it. Leave out for the newest page.",
  }),
  limit: pageSize(LIMITS.messages),
});

export const messagePage = z
  .object({
    data: z.array(messageSchema).meta({ description: "Oldest first." }),
    has_more: z.boolean().meta({ description: "Whether older messages exist before data[0]." }),
  })
  .meta({ id: "MessagePage" });

export const erasedCounts = z
  .object({
    contexts: z.number().int(),
    messages: z.number().int(),
    events: z.number().int(),
    runs: z.number().int(),
    feedback: z.number().int().meta({ description: "Users' ratings of replies." }),
    tool_grants: z.number().int(),
    agent_sessions: z.number().int(),
    tickets: z.number().int(),
    files: z.number().int().meta({ description: "Attached files, removed from their store." }),
  })
  .meta({ id: "ErasedCounts", description: "Rows erased, per kind." });

export const feedbackSchema = z
  .object({
    message_id: z.string().meta({ description: "The reply rated (an assistant message)." }),
    context_id: z.string(),
    context_group: z.string(),
    rating: z.enum(["good", "bad"]),
    comment: z.string().nullable().meta({ description: "What the user added, if anything." }),
    created_at: epochMs("When the reply was first rated, epoch ms."),
    updated_at: epochMs("When the rating last changed, epoch ms."),
  })
  .meta({ id: "Feedback" });

export const listFeedbackQuery = z.object({
  context_group: contextGroupParam,
  context_id: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .meta({ description: "Only this conversation's ratings." }),
  rating: z.enum(["good", "bad"]).optional(),
  cursor: cursorParam,
  limit: pageSize(LIMITS.feedback),
});

export const feedbackPage = z
  .object({
    data: z.array(feedbackSchema).meta({ description: "Newest change first." }),
    next_cursor: z.string().nullable().meta({ description: "null on the last page." }),
  })
  .meta({ id: "FeedbackPage" });

export const erasure = z
  .object({
    erased: erasedCounts,
    cancelled_runs: z.number().int().meta({ description: "Runs stopped before the erasure." }),
  })
  .meta({ id: "Erasure" });

export const groupPath = z.object({ group: contextGroupParam });

const isoOrEpoch = z
  .union([z.iso.datetime({ offset: true }), z.iso.date(), z.coerce.number().int().min(0)])
  .meta({
    description: "An ISO 8601 date or date-time (UTC unless it has an offset), or epoch ms.",
  });

export const usageQuery = z.object({
  context_group: contextGroupParam.optional().meta({
    description: "One group; leave out for every group.",
  }),
  from: isoOrEpoch
    .optional()
    .meta({ description: "Runs started at or after. Default: 30 days before `to`." }),
  to: isoOrEpoch.optional().meta({ description: "Runs started before. Default: now." }),
  group_by: z.enum(["day", "agent"]).default("day"),
});

const usageFigures = {
  runs: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  total_tokens: z.number().int(),
  tool_calls: z.number().int(),
};

export const usageReport = z
  .object({
    context_group: z.string().nullable(),
    from: epochMs("Epoch ms, inclusive."),
    to: epochMs("Epoch ms, exclusive."),
    group_by: z.enum(["day", "agent"]),
    buckets: z.array(
      z.object({
        key: z.string().meta({ description: "The UTC day (YYYY-MM-DD) or the agent id." }),
        ...usageFigures,
      }),
    ),
    totals: z.object(usageFigures),
  })
  .meta({ id: "UsageReport" });

export const ticketResponse = z
  .object({
    ticket: z.string().meta({ description: "The secret, shown this once." }),
    expires_at: epochMs("When the ticket and its agent session expire, epoch ms."),
    url: z.string().meta({ description: "The vanity page that exchanges this ticket." }),
  })
  .meta({ id: "Ticket" });
