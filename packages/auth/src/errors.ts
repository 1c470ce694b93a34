// What sign-up and sign-in refuse with. The api layer turns each code into an HTTP status.

export type AuthErrorCode = "invalid_credentials" | "email_taken" | "rate_limited";

export class AuthError extends Error {
  override name = "AuthError";

  constructor(
    readonly code: AuthErrorCode,
    message: string,
    /** For rate_limited: how long until a new attempt may succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
