// README.md's "Extending" shows the notes example's code: each snippet introduced with a link to
// one of its files must be in that file as shown, so the walkthrough cannot drift from the code.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const readme = fs.readFileSync(`${root}README.md`, "utf8");

/** Every fenced block that follows a paragraph linking to a file of examples/notes. */
function snippets(): { file: string; code: string }[] {
  const found: { file: string; code: string }[] = [];
  const pattern = /\[(examples\/notes\/[^\]]+)\]\([^)]*\)[^`]*?\n( *)```\w*\n([\s\S]*?)\n\2```/g;
  for (const match of readme.matchAll(pattern)) {
    const indent = match[2]!.length;
    const code = match[3]!
      .split("\n")
      .map((line) => line.slice(indent))
      .join("\n");
    found.push({ file: match[1]!, code });
  }
  return found;
}

describe("README's Extending walkthrough", () => {
  const all = snippets();

  it("shows the notes example's table, data access, agent, router and definition", () => {
    expect(all.map((snippet) => snippet.file)).toEqual([
      "examples/notes/migrations/0001_notes.sql",
      "examples/notes/src/db.ts",
      "examples/notes/src/agent.ts",
      "examples/notes/src/router.ts",
      "examples/notes/test/notes.test.ts",
    ]);
  });

  it.each(all)("quotes $file as it is", ({ file, code }) => {
    expect(fs.readFileSync(`${root}${file}`, "utf8")).toContain(code);
  });
});
