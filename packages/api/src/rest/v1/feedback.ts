// GET /v1/feedback: what a group's users thought of the replies (good or bad, with comments),
// newest change first, a page at a time; filtered by conversation or rating.
import { listGroupFeedback, type MessageFeedbackRow } from "@agent-access/db";
import type { z } from "zod";
import { decodeCursor, pageOf } from "./cursor.ts";
import { checkGroup } from "./groups.ts";
import { defineRoute } from "./route.ts";
import { feedbackPage, type feedbackSchema, listFeedbackQuery } from "./schemas.ts";

function toFeedback(row: MessageFeedbackRow): z.output<typeof feedbackSchema> {
  return {
    message_id: row.message_id,
    context_id: row.context_id,
    context_group: row.context_group,
    rating: row.rating,
    comment: row.comment,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export const listFeedbackRoute = defineRoute({
  method: "get",
  path: "/v1/feedback",
  summary: "Users' ratings of a group's replies (good or bad, with comments), newest first",
  scope: "read",
  query: listFeedbackQuery,
  response: { status: 200, description: "A page of ratings.", schema: feedbackPage },
  async run(deps, { query }): Promise<z.output<typeof feedbackPage>> {
    const group = checkGroup(deps, "context_group", query.context_group);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await listGroupFeedback(deps.db, group, {
      after: after && { updatedAt: after.at, messageId: after.id },
      limit: query.limit + 1,
      contextId: query.context_id,
      rating: query.rating,
    });
    return pageOf(rows, query.limit, toFeedback, (row) => ({
      at: row.updated_at,
      id: row.message_id,
    }));
  },
});
