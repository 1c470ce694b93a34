// The builtin model repeats a fenced code block of the message as a code block, so that a UI's
// code rendering can be tried without a language model; code that is not fenced is just words.
import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { planReply } from "./builtin-plan.ts";

const user = (text: string): LanguageModelV3Prompt => [
  { role: "user", content: [{ type: "text", text }] },
];

describe("the builtin model and code", () => {
  it("answers a fenced code block with the same block, fences and language kept", () => {
    const message = 'Why does this fail?\n\n```ts\nconst answer: number = "42";\n```\nThanks';
    expect(planReply(user(message), [])).toEqual({
      kind: "text",
      text: 'Here is your code back:\n\n```ts\nconst answer: number = "42";\n```',
    });
  });

  it("leaves inline code and an unclosed fence to the usual reply", () => {
    expect(planReply(user("what does `x = 1` do?"), [])).toMatchObject({
      text: expect.stringContaining("all I can do is repeat you"),
    });
    expect(planReply(user("```js\nnot closed"), [])).toMatchObject({
      text: expect.stringContaining("all I can do is repeat you"),
    });
  });
});
