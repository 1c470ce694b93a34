// Unsent messages, kept per conversation in the browser's storage (localStorage) so that a
// reload, or a visit to another conversation, does not lose what the user was writing. All
// drafts live in one storage item, bounded: at most MAX_DRAFTS drafts of at most the message
// length limit each, and MAX_DRAFT_CHARS characters in all; the least recently written go first.

/** The storage item that holds every draft. */
export const DRAFTS_KEY = "agent-access:drafts";
/** The most drafts kept; writing one more forgets the least recently written. */
export const MAX_DRAFTS = 20;
/** The most characters kept over all drafts (localStorage holds about 5 MB per origin). */
export const MAX_DRAFT_CHARS = 100_000;

/** The part of the Storage interface drafts use (localStorage is one). */
export type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

interface StoredDraft {
  text: string;
  /** When it was last written (ms), for forgetting the oldest first. */
  at: number;
}

type Drafts = Record<string, StoredDraft>;

/**
 * Where a conversation's draft is kept: the session's context group and the conversation
 * (`""`, a conversation not started yet, has its own), so that another user's drafts on a
 * shared browser are never shown.
 */
export function draftKey(contextGroup: string, contextId: string): string {
  return JSON.stringify([contextGroup, contextId]);
}

/** localStorage, or null where there is none (a server render, storage disabled by policy). */
export function browserStorage(): DraftStorage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Reading `localStorage` itself throws where the browser blocks storage.
    return null;
  }
}

function read(storage: DraftStorage): Drafts {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(DRAFTS_KEY) ?? "{}");
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
    const drafts: Drafts = {};
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      const draft = value as Partial<StoredDraft> | null;
      if (typeof draft?.text === "string" && typeof draft.at === "number") {
        drafts[key] = { text: draft.text, at: draft.at };
      }
    }
    return drafts;
  } catch {
    // Not ours, or damaged: start afresh rather than fail the composer.
    return {};
  }
}

/** The draft kept under `key`, or "". */
export function readDraft(storage: DraftStorage | null, key: string): string {
  if (!storage) return "";
  const drafts = read(storage);
  return Object.hasOwn(drafts, key) ? drafts[key]!.text : "";
}

/**
 * Keeps `text` (cut to `maxLength`) as the draft under `key`; "" removes it. The oldest drafts
 * are forgotten past MAX_DRAFTS or MAX_DRAFT_CHARS. A full or refusing storage loses the draft,
 * never the text on screen.
 */
export function writeDraft(
  storage: DraftStorage | null,
  key: string,
  text: string,
  maxLength: number,
  now = Date.now(),
): void {
  if (!storage) return;
  const drafts = read(storage);
  delete drafts[key];
  const kept = text.slice(0, Math.min(maxLength, MAX_DRAFT_CHARS));
  if (kept.trim()) drafts[key] = { text: kept, at: now };
  // Newest first; keep while within both bounds.
  const entries = Object.entries(drafts).sort(([, a], [, b]) => b.at - a.at);
  const bounded: Drafts = {};
  let chars = 0;
  for (const [entryKey, draft] of entries.slice(0, MAX_DRAFTS)) {
    if (chars + draft.text.length > MAX_DRAFT_CHARS) break;
    chars += draft.text.length;
    bounded[entryKey] = draft;
  }
  try {
    if (Object.keys(bounded).length === 0) storage.removeItem(DRAFTS_KEY);
    else storage.setItem(DRAFTS_KEY, JSON.stringify(bounded));
  } catch {
    // Quota exceeded or storage blocked: the draft is not kept, and that is all.
  }
}
