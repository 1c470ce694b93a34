// GET /v1/feedback: what a group's users thought of the replies (good or bad, with comments),
// newest change first, a page at a time; filtered by conversation or rating.
import { listGroupFeedback, type MessageFeedbackRow } from "@agent-access/db";
import type { z } from "zod";
import { checkGroup } from "./groups.ts";
import { badField, defineRoute } from "./route.ts";
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

function encodeCursor(row: MessageFeedbackRow): string {
  return Buffer.from(JSON.stringify([row.updated_at, row.message_id])).toString("base64url");
}

function decodeCursor(cursor: string): { updatedAt: number; messageId: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown;
    if (Array.isArray(value) && value.length === 2) {
      const [updatedAt, messageId] = value as unknown[];
      if (Number.isSafeInteger(updatedAt) && typeof messageId === "string") {
        return { updatedAt: updatedAt as number, messageId };
      }
    }
  } catch {
    // Falls through to the error below: not JSON once decoded.
  }
  throw badField("cursor", "malformed cursor: start again from the first page");
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
    const rows = await listGroupFeedback(deps.db, group, {
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: query.limit + 1,
      contextId: query.context_id,
      rating: query.rating,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toFeedback),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  },
});
