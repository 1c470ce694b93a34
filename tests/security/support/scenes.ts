// Conversations in the states an attacker would aim at, made over HTTP on the in-process server:
// one idle after a finished turn with a tool call, one waiting for approval, one waiting for an
// answer. Each comes with the ids a request could name (context, message, run, tool call).
import { type Db, get, value } from "@agent-access/db";
import {
  type CookieClient,
  type TestServer,
  trpcResult,
} from "../../../apps/server/test/harness.ts";
import { until } from "./database.ts";

export interface Target {
  /** What state the conversation is in, for messages. */
  label: "idle" | "waiting for approval" | "waiting for input";
  contextId: string;
  agentId: string;
  /** The user message of its turn. */
  messageId: string;
  /** The reply of its turn (the assistant message its run writes). */
  replyId: string;
  runId: string;
  /** The turn's tool call: awaiting an answer, or finished for the idle one. */
  toolCallId: string;
}

const SCENES = [
  { label: "idle", text: "How healthy are my webhooks?", status: "idle" },
  {
    label: "waiting for approval",
    text: "Please retry the failed deliveries",
    status: "waiting_for_approval",
  },
  { label: "waiting for input", text: "Ask me a question", status: "waiting_for_input" },
] as const;

interface Part {
  type: string;
  toolCallId?: string;
}

/** Waits until the context's run has stopped moving: finished, or waiting for the user. */
export function settled(db: Db, contextId: string, status: string): Promise<true> {
  return until(`context ${contextId} to be ${status}`, async () => {
    const busy = (await value<number>(
      db,
      "SELECT count(*) FROM run WHERE context_id = ? AND status = 'running'",
      [contextId],
    ))!;
    const current = await value(db, "SELECT status FROM context WHERE id = ?", [contextId]);
    return busy === 0 && current === status ? true : undefined;
  });
}

/**
 * The three conversations, made by `owner` (a browser with a live agent session) on the server
 * it talks to; `server.db` is that server's database (any instance's, when several share one).
 */
export async function makeTargets(
  server: Pick<TestServer, "db">,
  owner: CookieClient,
): Promise<Target[]> {
  const targets: Target[] = [];
  for (const scene of SCENES) {
    const created = await trpcResult<{
      context: { id: string; agentId: string };
      sent: { messageId: string; runId: string };
    }>(await owner.mutation("context.create", { firstMessage: scene.text }));
    if (!created.data) throw new Error(`context.create failed: ${JSON.stringify(created)}`);
    const { context, sent } = created.data;
    await settled(server.db, context.id, scene.status);
    const reply = (await get<{ id: string; parts: string }>(
      server.db,
      "SELECT id, parts FROM message WHERE run_id = ?",
      [sent.runId],
    ))!;
    const parts = JSON.parse(reply.parts) as Part[];
    const toolCallId = parts.find((part) => part.type === "tool-call")?.toolCallId;
    if (!toolCallId) throw new Error(`no tool call in the ${scene.label} scene`);
    targets.push({
      label: scene.label,
      contextId: context.id,
      agentId: context.agentId,
      messageId: sent.messageId,
      replyId: reply.id,
      runId: sent.runId,
      toolCallId,
    });
  }
  return targets;
}
