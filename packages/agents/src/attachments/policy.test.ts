import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JPEG, PDF, PNG, text, ZIP } from "../../test/files.ts";
import { cleanFileName, judgeFile } from "./policy.ts";

const MAX = 1000;

async function typeOf(name: string, bytes: Uint8Array, claimedType?: string) {
  return judgeFile({ name, bytes, claimedType }, MAX);
}

describe("judgeFile decides the type by the bytes", () => {
  it("accepts each allowed type", async () => {
    expect(await typeOf("a.png", PNG)).toEqual({ ok: true, mediaType: "image/png" });
    expect(await typeOf("a.jpg", JPEG)).toEqual({ ok: true, mediaType: "image/jpeg" });
    expect(await typeOf("a.pdf", PDF)).toEqual({ ok: true, mediaType: "application/pdf" });
    expect(await typeOf("a.txt", text("hi"))).toEqual({ ok: true, mediaType: "text/plain" });
    expect(await typeOf("a.md", text("# hi"))).toEqual({ ok: true, mediaType: "text/markdown" });
    expect(await typeOf("a.csv", text("a,b\n1,2"))).toEqual({ ok: true, mediaType: "text/csv" });
    expect(await typeOf("a.json", text('{"a":1}'))).toEqual({
      ok: true,
      mediaType: "application/json",
    });
    expect(await typeOf("README", text("hi"))).toEqual({ ok: true, mediaType: "text/plain" });
  });

  it("takes an image under a name without an extension for what its bytes are", async () => {
    expect(await typeOf("photo", PNG)).toEqual({ ok: true, mediaType: "image/png" });
  });

  it("refuses an empty file, naming it", async () => {
    expect(await typeOf("nothing.txt", new Uint8Array())).toEqual({
      ok: false,
      rule: "empty",
      message: '"nothing.txt" is empty.',
    });
  });

  it("refuses a file over the limit, naming it and the limit", async () => {
    const verdict = await typeOf("big.txt", new Uint8Array(MAX + 1).fill(97));
    expect(verdict).toMatchObject({ ok: false, rule: "too-large" });
    expect(!verdict.ok && verdict.message).toContain('"big.txt"');
    expect(!verdict.ok && verdict.message).toContain(`${MAX} bytes`);
  });

  it("refuses a type that is not allowed, whatever the name says", async () => {
    const verdict = await typeOf("innocent.png", ZIP);
    expect(verdict).toMatchObject({ ok: false, rule: "type" });
    expect(!verdict.ok && verdict.message).toMatch(/"innocent.png" is application\/zip/);
  });

  it("refuses bytes that are neither a known type nor UTF-8 text", async () => {
    const verdict = await typeOf("data.txt", Uint8Array.from([0xc3, 0x28, 0xff, 0xfe]));
    expect(verdict).toMatchObject({ ok: false, rule: "type" });
  });

  it("refuses text with NUL bytes", async () => {
    expect(await typeOf("a.txt", text("a\u0000b"))).toMatchObject({ ok: false, rule: "type" });
  });

  it("refuses text under an extension that is not a text type's", async () => {
    const verdict = await typeOf("page.html", text("<p>hi</p>"));
    expect(verdict).toMatchObject({ ok: false, rule: "type" });
    expect(!verdict.ok && verdict.message).toContain(".html");
  });

  it("refuses a name that lies about the bytes", async () => {
    expect(await typeOf("photo.png", JPEG)).toMatchObject({ ok: false, rule: "mismatch" });
    expect(await typeOf("notes.txt", PNG)).toMatchObject({ ok: false, rule: "mismatch" });
    expect(await typeOf("photo.png", text("just text"))).toMatchObject({
      ok: false,
      rule: "mismatch",
    });
  });

  it("refuses a claimed type that lies about the bytes", async () => {
    const verdict = await typeOf("photo", JPEG, "image/png");
    expect(verdict).toMatchObject({ ok: false, rule: "mismatch" });
    expect(!verdict.ok && verdict.message).toContain("image/png");
    // Claims of another text type, or of types outside the list, are not a lie about the kind.
    expect(await typeOf("a.csv", text("a,b"), "text/plain")).toMatchObject({ ok: true });
    expect(await typeOf("a.csv", text("a,b"), "application/vnd.ms-excel")).toMatchObject({
      ok: true,
    });
  });

  it("refuses a .json file that does not parse", async () => {
    expect(await typeOf("a.json", text("{nope"))).toMatchObject({ ok: false, rule: "mismatch" });
  });

  it("never throws, whatever the bytes, name and claim", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 64 }),
        fc.string({ maxLength: 30 }),
        fc.option(fc.constantFrom("image/png", "text/plain", "application/pdf", "x/y", "")),
        async (bytes, name, claimed) => {
          const verdict = await judgeFile(
            { name: cleanFileName(name), bytes, claimedType: claimed ?? undefined },
            MAX,
          );
          expect(typeof verdict.ok).toBe("boolean");
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("cleanFileName", () => {
  it("keeps the last path segment without control characters", () => {
    expect(cleanFileName("../../etc/passwd")).toBe("passwd");
    expect(cleanFileName("C:\\Users\\me\\a.txt")).toBe("a.txt");
    expect(cleanFileName("a\u0000b\nc.txt")).toBe("abc.txt");
    expect(cleanFileName("   ")).toBe("file");
    expect(cleanFileName("x".repeat(500))).toHaveLength(200);
  });
});
