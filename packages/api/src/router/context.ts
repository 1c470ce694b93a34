// Conversations of the browser's agent session: a thin layer over the run engine. Every call
// passes `ctx.scope`, the session's context group and agents (agentProcedure); the engine's SQL
// refuses anything outside them with NOT_FOUND, exactly as for an id that does not exist.
import {
  MAX_FEEDBACK_COMMENT_LENGTH,
  MAX_FILES_PER_MESSAGE,
  MAX_MESSAGE_LENGTH,
  MAX_TITLE_LENGTH,
} from "@agent-access/agents";
import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import { withinLimits } from "../limits.ts";
import { agentProcedure, createTRPCRouter } from "../trpc.ts";

const id = z.string().min(1).max(100);
const contextInput = z.object({ contextId: id });
const text = z.string().min(1, "Write a message").max(MAX_MESSAGE_LENGTH);
const title = z.string().max(MAX_TITLE_LENGTH);

export const contextRouter = createTRPCRouter({
  /** The session's conversations, most recently active first, a page at a time. */
  list: agentProcedure
    .input(
      z.object({
        cursor: z.string().max(200).nullish(),
        limit: z.number().int().min(1).max(100).default(20),
        search: z.string().max(200).optional(),
        status: z.enum(["idle", "running", "waiting_for_approval", "waiting_for_input"]).optional(),
        agentId: id.optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.runtime.listContexts(ctx.scope, input)),

  /** A new conversation with one of the session's agents; `firstMessage` also sends it. */
  create: agentProcedure
    .input(
      z.object({
        agentId: id.optional(),
        title: title.optional(),
        firstMessage: text.optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const sends = input.firstMessage !== undefined;
      return withinLimits(
        ctx,
        { createsContext: true, sendsMessage: sends, startsRun: sends },
        () =>
          ctx.runtime.createContext(ctx.scope, {
            ...input,
            // Without a choice, the session's first agent: a one-agent session needs no picker.
            agentId: input.agentId ?? ctx.scope.agentIds[0]!,
          }),
        (result) => (result.sent ? result.context.id : null),
      );
    }),

  get: agentProcedure
    .input(contextInput)
    .query(({ ctx, input }) => ctx.runtime.getContext(ctx.scope, input.contextId)),

  rename: agentProcedure
    .input(contextInput.extend({ title }))
    .mutation(({ ctx, input }) =>
      ctx.runtime.renameContext(ctx.scope, input.contextId, { title: input.title }),
    ),

  delete: agentProcedure.input(contextInput).mutation(async ({ ctx, input }) => {
    await ctx.runtime.deleteContext(ctx.scope, input.contextId);
    return { deleted: true };
  }),

  /** A page of messages, oldest first, before the message `before` (default: the newest). */
  messages: agentProcedure
    .input(
      contextInput.extend({
        before: id.optional(),
        limit: z.number().int().min(1).max(100).default(50),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.runtime.listMessages(ctx.scope, input.contextId, {
        before: input.before,
        limit: input.limit,
      }),
    ),

  /**
   * Sends a message and starts the agent; CONFLICT while a run is unfinished. `fileIds` are
   * files uploaded to this context (POST /attachments) and not sent yet; with files, the text
   * may be empty.
   */
  send: agentProcedure
    .input(
      contextInput
        .extend({
          text: z.string().max(MAX_MESSAGE_LENGTH),
          fileIds: z.array(id).max(MAX_FILES_PER_MESSAGE).optional(),
        })
        .refine((input) => input.text.trim() !== "" || (input.fileIds?.length ?? 0) > 0, {
          message: "Write a message",
          path: ["text"],
        }),
    )
    .mutation(({ ctx, input }) =>
      withinLimits(
        ctx,
        { sendsMessage: true, startsRun: true },
        () =>
          ctx.runtime.send(ctx.scope, input.contextId, {
            text: input.text,
            fileIds: input.fileIds,
          }),
        () => input.contextId,
      ),
    ),

  /** Stops the unfinished run; the model call is aborted on the server. */
  cancel: agentProcedure
    .input(contextInput)
    .mutation(({ ctx, input }) => ctx.runtime.cancel(ctx.scope, input.contextId)),

  /** Replaces the last reply with a new run. */
  regenerate: agentProcedure.input(contextInput).mutation(({ ctx, input }) =>
    withinLimits(
      ctx,
      { startsRun: true },
      () => ctx.runtime.regenerate(ctx.scope, input.contextId),
      () => input.contextId,
    ),
  ),

  /**
   * Edits the last message the user sent and answers it again: that turn is replaced (the old
   * one is not kept). Counts as a message and a run against the session's quotas.
   */
  editMessage: agentProcedure
    .input(contextInput.extend({ messageId: id, text: z.string().max(MAX_MESSAGE_LENGTH) }))
    .mutation(({ ctx, input }) =>
      withinLimits(
        ctx,
        { sendsMessage: true, startsRun: true },
        () =>
          ctx.runtime.editMessage(ctx.scope, input.contextId, {
            messageId: input.messageId,
            text: input.text,
          }),
        () => input.contextId,
      ),
    ),

  /**
   * Rates a reply good or bad with an optional comment; `rating: null` takes it back. Limited
   * per minute per session and group (each change is a row and an event in the log).
   */
  setFeedback: agentProcedure
    .input(
      contextInput.extend({
        messageId: id,
        rating: z.enum(["good", "bad"]).nullable(),
        comment: z.string().max(MAX_FEEDBACK_COMMENT_LENGTH).nullish(),
      }),
    )
    .mutation(({ ctx, input }) =>
      withinLimits(ctx, { ratesMessage: true }, () =>
        ctx.runtime.setFeedback(ctx.scope, input.contextId, {
          messageId: input.messageId,
          rating: input.rating,
          comment: input.comment,
        }),
      ),
    ),

  respondToApproval: agentProcedure
    .input(
      contextInput.extend({
        toolCallId: id,
        decision: z.enum(["allow_once", "allow_always", "deny"]),
      }),
    )
    .mutation(({ ctx, input }) =>
      withinLimits(
        ctx,
        { startsRun: true },
        () =>
          ctx.runtime.respondToApproval(ctx.scope, input.contextId, {
            toolCallId: input.toolCallId,
            decision: input.decision,
          }),
        () => input.contextId,
      ),
    ),

  submitInput: agentProcedure
    .input(contextInput.extend({ toolCallId: id, value: text }))
    .mutation(({ ctx, input }) =>
      withinLimits(
        ctx,
        { startsRun: true },
        () =>
          ctx.runtime.submitInput(ctx.scope, input.contextId, {
            toolCallId: input.toolCallId,
            value: input.value,
          }),
        () => input.contextId,
      ),
    ),

  /**
   * The context's events as server-sent events: everything after `lastEventId`, then live.
   * Each is tracked by its sequence number, so a reconnecting client resumes exactly after the
   * last event it saw.
   */
  events: agentProcedure
    .input(
      contextInput.extend({
        lastEventId: z
          .string()
          .regex(/^\d{1,15}$/, "lastEventId is the sequence number of an event")
          .nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      // The session was checked when the stream opened; the server re-checks the sessions of all
      // open streams together while they last (ctx.streamSessions), so that an expired, replaced
      // or signed-out session stops receiving events.
      const stop = new AbortController();
      const abort = () => stop.abort();
      // A client gone before the first event was asked for: the signal has already fired.
      if (signal?.aborted) return;
      signal?.addEventListener("abort", abort);
      let refusal: string | null = null;
      // A check that fails (the database out of reach) ends the stream with its error, which the
      // client answers by reconnecting after its last event.
      let failure: unknown = null;
      const unwatch = ctx.streamSessions.watch(ctx.agentSession.id, (end) => {
        if ("refusal" in end) refusal = end.refusal;
        else failure = end.failure;
        stop.abort();
      });
      try {
        const events = await ctx.runtime.events(ctx.scope, input.contextId, {
          afterSeq: input.lastEventId ? Number(input.lastEventId) : 0,
          signal: stop.signal,
        });
        for await (const { seq, event } of events) {
          yield tracked(String(seq), event);
        }
        if (refusal) throw new TRPCError({ code: "UNAUTHORIZED", message: refusal });
        if (failure) throw failure;
      } finally {
        unwatch();
        signal?.removeEventListener("abort", abort);
      }
    }),
});
