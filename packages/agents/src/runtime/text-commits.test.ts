// The group commit of replies' texts (text-commits.ts), with a write that the test answers.
import type { RunText } from "@agent-access/db";
import { describe, expect, it } from "vitest";
import { TextCommitGroup } from "./text-commits.ts";

function text(contextId: string, parts = "[]"): RunText {
  return {
    contextId,
    runId: `run_${contextId}`,
    messageId: `msg_${contextId}`,
    parts,
    events: [{ type: "message.delta" }],
    notify: { before: "", after: "" },
  };
}

/** A group whose writes wait until the test settles them; `batches` lists each write's contexts. */
function group(limits: { maxInFlight?: number; maxTexts?: number; maxChars?: number } = {}) {
  const batches: string[][] = [];
  const pending: { resolve: (seqs: (number[] | null)[]) => void; reject: (e: unknown) => void }[] =
    [];
  const commits = new TextCommitGroup({
    maxInFlight: limits.maxInFlight ?? 1,
    maxTexts: limits.maxTexts ?? 100,
    maxChars: limits.maxChars ?? 1_000_000,
    write: (texts) => {
      batches.push(texts.map((t) => t.contextId));
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
  });
  /** Ends the oldest unsettled write with a seq per text (its place in the batch), or an error. */
  const settle = async (error?: unknown) => {
    const write = pending.shift()!;
    const size = batches[batches.length - pending.length - 1]!.length;
    if (error) write.reject(error);
    else write.resolve(Array.from({ length: size }, (_, i) => [i + 1]));
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { commits, batches, settle, pending };
}

describe("the group commit of replies' texts", () => {
  it("writes a text at once when no batch is being written, and the next ones together", async () => {
    const { commits, batches, settle } = group();
    const first = commits.submit(text("a"));
    expect(batches).toEqual([["a"]]);
    const later = ["b", "c", "d"].map((id) => commits.submit(text(id)));
    expect(batches).toHaveLength(1);
    await settle();
    expect(await first).toEqual([1]);
    expect(batches).toEqual([["a"], ["b", "c", "d"]]);
    await settle();
    expect(await Promise.all(later)).toEqual([[1], [2], [3]]);
  });

  it("writes up to maxInFlight batches at the same time", async () => {
    const { commits, batches, settle } = group({ maxInFlight: 2 });
    const all = ["a", "b", "c", "d"].map((id) => commits.submit(text(id)));
    expect(batches).toEqual([["a"], ["b"]]);
    await settle();
    expect(batches).toEqual([["a"], ["b"], ["c", "d"]]);
    await settle();
    await settle();
    expect(await Promise.all(all)).toEqual([[1], [1], [1], [2]]);
  });

  it("puts one text per context in a batch, in the order they came", async () => {
    const { commits, batches, settle } = group();
    void commits.submit(text("x"));
    const waiting = [commits.submit(text("a", "1")), commits.submit(text("a", "2"))];
    void commits.submit(text("b"));
    await settle();
    expect(batches).toEqual([["x"], ["a", "b"]]);
    await settle();
    expect(batches).toEqual([["x"], ["a", "b"], ["a"]]);
    await settle();
    expect(await Promise.all(waiting)).toEqual([[1], [1]]);
  });

  it("keeps a batch within its count and its characters", async () => {
    const { commits, batches, settle } = group({ maxTexts: 2, maxChars: 10 });
    void commits.submit(text("x"));
    for (const id of ["a", "b", "c"]) void commits.submit(text(id, "1234"));
    void commits.submit(text("d", "12345678901234"));
    void commits.submit(text("e", "1234"));
    await settle();
    expect(batches.at(-1)).toEqual(["a", "b"]);
    await settle();
    // c and e fit in 10 characters, d alone does not: it goes alone after them.
    expect(batches.at(-1)).toEqual(["c", "e"]);
    await settle();
    expect(batches.at(-1)).toEqual(["d"]);
  });

  it("tries each text of a failed batch alone, so that one bad text fails alone", async () => {
    const { commits, batches, settle } = group();
    void commits.submit(text("x"));
    const results = ["a", "b", "c"].map((id) =>
      commits.submit(text(id)).then(
        (seqs) => ({ seqs }),
        (error: Error) => ({ error: error.message }),
      ),
    );
    await settle();
    await settle(new Error("deadlock detected"));
    // Each alone, all at once.
    expect(batches.slice(2)).toEqual([["a"], ["b"], ["c"]]);
    await settle();
    await settle(new Error("bad text"));
    await settle();
    expect(await Promise.all(results)).toEqual([
      { seqs: [1] },
      { error: "bad text" },
      { seqs: [1] },
    ]);
  });

  it("fails the whole batch without retrying when the database is out of reach", async () => {
    const { commits, batches, settle, pending } = group();
    void commits.submit(text("x"));
    const results = ["a", "b"].map((id) =>
      commits.submit(text(id)).catch((error: Error & { code?: string }) => error.code),
    );
    await settle();
    await settle(Object.assign(new Error("terminating connection"), { code: "57P01" }));
    expect(await Promise.all(results)).toEqual(["57P01", "57P01"]);
    expect(batches).toHaveLength(2);
    expect(pending).toHaveLength(0);
  });
});
