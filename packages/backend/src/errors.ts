// Typed errors: one class per kind of answer a caller handles differently, all of them
// AgentAccessError with the HTTP status and the API's stable code.

/** An error answer of the Agent Access API, or a failure to reach it (status 0). */
export class AgentAccessError extends Error {
  override name = "AgentAccessError";
  constructor(
    /** The HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    /** The API's error code, e.g. "unauthorized", "unprocessable_request". */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** 400, 413, 415, 422: the request is wrong; the message names the field. Do not retry as is. */
export class InvalidRequestError extends AgentAccessError {
  override name = "InvalidRequestError";
}

/** 401: no API key, or one the server does not know. */
export class AuthenticationError extends AgentAccessError {
  override name = "AuthenticationError";
}

/** 403: the key is revoked, or its scope does not cover the call. */
export class PermissionDeniedError extends AgentAccessError {
  override name = "PermissionDeniedError";
}

/** 404: no such context (or it was deleted). */
export class NotFoundError extends AgentAccessError {
  override name = "NotFoundError";
}

/** 409: the state does not allow it now. */
export class ConflictError extends AgentAccessError {
  override name = "ConflictError";
}

/** 429: too many requests; try again later. */
export class RateLimitError extends AgentAccessError {
  override name = "RateLimitError";
}

/** 5xx: the server failed; retrying later may succeed. */
export class ServerError extends AgentAccessError {
  override name = "ServerError";
}

/** Status 0: the server could not be reached, or did not answer in time. */
export class ConnectionError extends AgentAccessError {
  override name = "ConnectionError";
}

/** The error class for an answer's HTTP status. */
export function errorFor(status: number, code: string, message: string): AgentAccessError {
  const Kind =
    status === 0
      ? ConnectionError
      : status === 401
        ? AuthenticationError
        : status === 403
          ? PermissionDeniedError
          : status === 404
            ? NotFoundError
            : status === 409
              ? ConflictError
              : status === 429
                ? RateLimitError
                : status >= 500
                  ? ServerError
                  : status >= 400
                    ? InvalidRequestError
                    : AgentAccessError;
  return new Kind(status, code, message);
}
