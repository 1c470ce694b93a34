// Drafts in storage: per context group and conversation, bounded in number and size, the oldest
// forgotten first, and a damaged or refusing storage never breaking the composer.
import { describe, expect, it } from "vitest";
import {
  DRAFTS_KEY,
  type DraftStorage,
  draftKey,
  MAX_DRAFT_CHARS,
  MAX_DRAFTS,
  readDraft,
  writeDraft,
} from "./drafts.ts";

class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();
  failWrites = false;
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new DOMException("full", "QuotaExceededError");
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

describe("drafts", () => {
  it("keeps a draft per context group and conversation, and removes an empty one", () => {
    const storage = new MemoryStorage();
    writeDraft(storage, draftKey("user:1", "ctx_a"), "Hello", 100);
    writeDraft(storage, draftKey("user:1", ""), "A new one", 100);
    expect(readDraft(storage, draftKey("user:1", "ctx_a"))).toBe("Hello");
    expect(readDraft(storage, draftKey("user:1", ""))).toBe("A new one");
    // Another group (another user on this browser) never sees it.
    expect(readDraft(storage, draftKey("user:2", "ctx_a"))).toBe("");

    writeDraft(storage, draftKey("user:1", "ctx_a"), "  ", 100);
    expect(readDraft(storage, draftKey("user:1", "ctx_a"))).toBe("");
    writeDraft(storage, draftKey("user:1", ""), "", 100);
    expect(storage.items.has(DRAFTS_KEY)).toBe(false);
  });

  it("cuts a draft to the length limit", () => {
    const storage = new MemoryStorage();
    writeDraft(storage, "k", "x".repeat(50), 10);
    expect(readDraft(storage, "k")).toBe("x".repeat(10));
  });

  it("forgets the least recently written drafts past the count and size bounds", () => {
    const storage = new MemoryStorage();
    for (let i = 0; i <= MAX_DRAFTS; i++) writeDraft(storage, `k${i}`, `draft ${i}`, 100, i);
    expect(readDraft(storage, "k0")).toBe("");
    expect(readDraft(storage, "k1")).toBe("draft 1");
    expect(readDraft(storage, `k${MAX_DRAFTS}`)).toBe(`draft ${MAX_DRAFTS}`);

    const big = "y".repeat(MAX_DRAFT_CHARS / 2);
    writeDraft(storage, "big1", big, MAX_DRAFT_CHARS, 1000);
    writeDraft(storage, "big2", big, MAX_DRAFT_CHARS, 1001);
    // Both big ones fit only with nothing else: the older small ones went.
    expect(readDraft(storage, "big1")).toBe(big);
    expect(readDraft(storage, "big2")).toBe(big);
    expect(readDraft(storage, `k${MAX_DRAFTS}`)).toBe("");
    expect(storage.getItem(DRAFTS_KEY)!.length).toBeLessThan(MAX_DRAFT_CHARS + 1000);
  });

  it("survives damaged storage and a storage that refuses writes", () => {
    const storage = new MemoryStorage();
    storage.items.set(DRAFTS_KEY, "{not json");
    expect(readDraft(storage, "k")).toBe("");
    storage.items.set(DRAFTS_KEY, JSON.stringify({ k: { text: 5 }, j: { text: "ok", at: 1 } }));
    expect(readDraft(storage, "k")).toBe("");
    expect(readDraft(storage, "j")).toBe("ok");
    writeDraft(storage, "k", "fresh", 100);
    expect(readDraft(storage, "k")).toBe("fresh");

    storage.failWrites = true;
    expect(() => writeDraft(storage, "k", "lost", 100)).not.toThrow();
    expect(readDraft(storage, "k")).toBe("fresh");
    expect(readDraft(null, "k")).toBe("");
    expect(() => writeDraft(null, "k", "x", 100)).not.toThrow();
  });
});
