// The opaque cursor of a page of contexts: where the previous page ended in the order of last
// activity, then id. A cursor that is not one of ours is a 400 naming `cursor`.
import { badField } from "./route.ts";

export interface ContextPosition {
  lastActivityAt: number;
  id: string;
}

export function encodeCursor(position: ContextPosition): string {
  return Buffer.from(JSON.stringify([position.lastActivityAt, position.id])).toString("base64url");
}

export function decodeCursor(cursor: string): ContextPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown;
    if (Array.isArray(value) && value.length === 2) {
      const [lastActivityAt, id] = value as unknown[];
      if (Number.isSafeInteger(lastActivityAt) && typeof id === "string") {
        return { lastActivityAt: lastActivityAt as number, id };
      }
    }
  } catch {
    // Falls through to the error below: not JSON once decoded.
  }
  throw badField("cursor", "malformed cursor: start again from the first page");
}
