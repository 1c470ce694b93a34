// The opaque cursors of the REST pages: where the previous page ended, as the pair its order
// sorts by (a time, then an id; contexts by last activity, ratings by their last change). A
// cursor that is not one of ours is a 400 naming `cursor`.
import { badField } from "./route.ts";

export interface Position {
  at: number;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString("base64url");
}

export function decodeCursor(cursor: string): Position {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown;
    if (Array.isArray(value) && value.length === 2) {
      const [at, id] = value as unknown[];
      if (Number.isSafeInteger(at) && typeof id === "string") return { at: at as number, id };
    }
  } catch {
    // Falls through to the error below: not JSON once decoded.
  }
  throw badField("cursor", "malformed cursor: start again from the first page");
}

/**
 * A page of `limit` items from `rows`, which were fetched with `limit + 1` so that one more row
 * tells whether another page follows; `next_cursor` points after the last item, or is null.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  positionOf: (row: Row) => Position,
): { data: Item[]; next_cursor: string | null } {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return {
    data: rows.slice(0, limit).map(toItem),
    next_cursor: last === undefined ? null : encodeCursor(positionOf(last)),
  };
}
