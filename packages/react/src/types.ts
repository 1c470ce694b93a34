// The shapes the hooks hand out, all inferred from the server's router: nothing here is declared
// a second time, so a change on the server shows up as a type error in every UI built on these.
import type { RouterInputs, RouterOutputs } from "@agent-access/api";

/** The browser's live agent session: its type, context group, agents and expiry (epoch ms). */
export type AgentSessionInfo = NonNullable<RouterOutputs["session"]["current"]>;

/** An agent the session may use: `{ id, name, description }`. */
export type AgentInfo = AgentSessionInfo["agents"][number];

/** A conversation as listed: id, title, agent, status, times and its log position. */
export type ContextSummary = RouterOutputs["context"]["get"];

/** `idle`, `running`, `waiting_for_approval` or `waiting_for_input`. */
export type ContextStatus = ContextSummary["status"];

/** One message of a conversation, oldest first by `seq`. */
export type ContextMessage = RouterOutputs["context"]["messages"]["items"][number];

/** A text part or a tool-call part of a message. */
export type MessagePart = ContextMessage["parts"][number];

/** How a reply's run ended: `status` and, for a failure or interruption, the user's reason. */
export type RunOutcome = NonNullable<ContextMessage["outcome"]>;

/** A user's rating of a reply: `{ rating: "good" | "bad", comment }`. */
export type MessageFeedback = NonNullable<ContextMessage["feedback"]>;

/** "good" or "bad". */
export type FeedbackRating = MessageFeedback["rating"];

/** A tool call inside an assistant message, with its state (running, awaiting-approval...). */
export type ToolCallPart = Extract<MessagePart, { type: "tool-call" }>;

type EventsOutput = RouterOutputs["context"]["events"];
type TrackedEvent = EventsOutput extends AsyncIterable<infer T> ? T : never;

/** One entry of a context's event log, as `context.events` streams it. */
export type ContextEvent = TrackedEvent["data"];

/** What `sendMessage` and `regenerate` answer: the user message and the run that replies. */
export type SendResult = RouterOutputs["context"]["send"];

/** An answer to a tool call waiting for approval. */
export type ApprovalDecision = RouterInputs["context"]["respondToApproval"]["decision"];
