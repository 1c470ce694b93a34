// Titles made from a first message, and the opaque cursor of context pages.
import { AgentRuntimeError } from "../errors.ts";

export const DEFAULT_TITLE = "New conversation";
export const MAX_TITLE_LENGTH = 200;
const MADE_TITLE_LENGTH = 60;

/** The first words of a message, cut at a word boundary. */
export function titleFromMessage(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= MADE_TITLE_LENGTH) return flat || DEFAULT_TITLE;
  // One character more, so that a word ending right at the limit is kept whole.
  const cut = flat.slice(0, MADE_TITLE_LENGTH + 1);
  const space = cut.lastIndexOf(" ");
  return `${space > MADE_TITLE_LENGTH / 2 ? cut.slice(0, space) : cut.slice(0, -1)}…`;
}

export interface ContextPosition {
  lastActivityAt: number;
  id: string;
}

/** A page's end, as an opaque string the client hands back for the next page. */
export function encodeCursor(position: ContextPosition): string {
  return Buffer.from(JSON.stringify([position.lastActivityAt, position.id])).toString("base64url");
}

export function decodeCursor(cursor: string): ContextPosition {
  try {
    const [lastActivityAt, id] = JSON.parse(
      Buffer.from(cursor, "base64url").toString(),
    ) as unknown[];
    if (Number.isSafeInteger(lastActivityAt) && typeof id === "string") {
      return { lastActivityAt: lastActivityAt as number, id };
    }
  } catch {
    // Falls through to the error below: the cursor was not one of ours.
  }
  throw new AgentRuntimeError("BAD_REQUEST", "Invalid cursor: start again from the first page.");
}
