import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { cleanTitle, TITLE_INSTRUCTIONS, titlePrompt } from "../runtime/model-title.ts";
import { createBuiltinModel, SIMULATED_FAILURE } from "./builtin.ts";
import { builtinTitle, isTitleCall } from "./builtin-title.ts";

function titleCall(message: string): LanguageModelV3CallOptions {
  return {
    prompt: [
      { role: "system", content: TITLE_INSTRUCTIONS },
      { role: "user", content: [{ type: "text", text: titlePrompt(message, "Some reply.") }] },
    ],
  };
}

describe("the builtin model's titles", () => {
  it("are the first meaningful words of the first message, the same every time", () => {
    expect(builtinTitle(titleCall("How healthy are my webhooks?"))).toBe("Healthy webhooks");
    expect(builtinTitle(titleCall("Please retry the failed deliveries for SD-1001."))).toBe(
      "Retry failed deliveries SD-1001",
    );
    expect(builtinTitle(titleCall("what is it?"))).toBe("What is it");
    expect(builtinTitle(titleCall("a b c d e f g h"))).toBe("B c d e f");
  });

  it("answer only the engine's title call", async () => {
    expect(isTitleCall(titleCall("x"))).toBe(true);
    expect(
      isTitleCall({ prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }] }),
    ).toBe(false);
    const model = createBuiltinModel({ tokenDelayMs: 0 });
    const result = await model.doGenerate(titleCall("How healthy are my webhooks?"));
    expect(result.content).toEqual([{ type: "text", text: "Healthy webhooks" }]);
  });
});

describe("cleanTitle", () => {
  it("keeps one line without quotes, a label or a final full stop, cut to a few words", () => {
    expect(cleanTitle('"Failing billing endpoint."\n')).toBe("Failing billing endpoint");
    expect(cleanTitle("Title: **Webhook health**")).toBe("Webhook health");
    expect(cleanTitle("\n\n  Retry plan  \nmore")).toBe("Retry plan");
    expect(cleanTitle("  ")).toBeNull();
    expect(cleanTitle('""')).toBeNull();
    expect(cleanTitle("word ".repeat(40))!.length).toBeLessThanOrEqual(61);
  });
});

describe('"fail once"', () => {
  it("fails the first call of a conversation like a provider, and answers the same one next", async () => {
    const model = createBuiltinModel({ tokenDelayMs: 0 });
    const call: LanguageModelV3CallOptions = {
      prompt: [{ role: "user", content: [{ type: "text", text: "Please fail once" }] }],
    };
    await expect(model.doGenerate(call)).rejects.toThrow(SIMULATED_FAILURE);
    const second = await model.doGenerate(call);
    expect(second.content).toEqual([
      { type: "text", text: expect.stringMatching(/^This is the second try/) },
    ]);
    // Another conversation fails once on its own.
    await expect(
      model.doGenerate({
        prompt: [{ role: "user", content: [{ type: "text", text: "fail once, again" }] }],
      }),
    ).rejects.toThrow(SIMULATED_FAILURE);
  });
});
