// What a user sees of a failed run. A model provider's error can carry secrets and internals
// ("Incorrect API key provided: sk-live-…", "connect ECONNREFUSED 127.0.0.1:4799"), so a user
// gets a generic message with a reference id, and the server log keeps the detail under that id.
import { randomBytes } from "node:crypto";

/** Logs a failure's detail under its reference. Default: one line on stderr with the error. */
export type FailureLog = (reference: string, error: unknown) => void;

export const logFailureToStderr: FailureLog = (reference, error) => {
  console.error(`Run failed [${reference}]:`, error);
};

/** A fresh reference such as `err_5f0c9a1e2b7d`: short enough to read out, unique enough. */
export function failureReference(): string {
  return `err_${randomBytes(6).toString("hex")}`;
}

/** The message stored and shown for a run that failed with an unexpected error. */
export function failureMessage(reference: string): string {
  return `The reply failed (reference ${reference}). Try again; if it keeps failing, give the app's operator this reference.`;
}
