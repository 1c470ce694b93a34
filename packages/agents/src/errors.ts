// The one error type the engine throws at callers, with a code the API maps 1:1 (NOT_FOUND,
// CONFLICT, BAD_REQUEST, PAYLOAD_TOO_LARGE) and a message a user can act on.

export type AgentRuntimeErrorCode = "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST" | "PAYLOAD_TOO_LARGE";

export class AgentRuntimeError extends Error {
  override name = "AgentRuntimeError";

  constructor(
    readonly code: AgentRuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The answer for anything outside the caller's scope: it says nothing about what exists. */
export function contextNotFound(): AgentRuntimeError {
  return new AgentRuntimeError(
    "NOT_FOUND",
    "Conversation not found: it was deleted or belongs to another session.",
  );
}
