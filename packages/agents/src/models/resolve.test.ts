import { describe, expect, it } from "vitest";
import { ModelConfigError, resolveModel } from "./resolve.ts";

describe("resolveModel", () => {
  it("gives the builtin model by default name and the providers' models by prefix", () => {
    expect(resolveModel({ model: "builtin" })).toMatchObject({
      provider: "agent-access",
      modelId: "builtin",
    });
    expect(resolveModel({ model: "openai:gpt-4.1-mini", apiKey: "sk-test" })).toMatchObject({
      provider: expect.stringMatching(/^openai/),
      modelId: "gpt-4.1-mini",
    });
    expect(
      resolveModel({ model: "anthropic:claude-sonnet-4-5", apiKey: "sk-ant-test" }),
    ).toMatchObject({
      provider: expect.stringMatching(/^anthropic/),
      modelId: "claude-sonnet-4-5",
    });
    expect(
      resolveModel({ model: "openai-compatible:llama3.2", baseUrl: "http://localhost:11434/v1" }),
    ).toMatchObject({ provider: expect.stringMatching(/^openai-compatible/), modelId: "llama3.2" });
  });

  it("refuses a bad or incomplete setting with a message that says what to set", () => {
    const cases: [Parameters<typeof resolveModel>[0], RegExp][] = [
      [{ model: "gpt-4" }, /AGENT_MODEL must be builtin, openai:<model>.*got "gpt-4"/],
      [{ model: "openai:" }, /AGENT_MODEL must be/],
      [{ model: "mistral:large" }, /AGENT_MODEL must be/],
      [{ model: "openai:gpt-4.1" }, /set AGENT_API_KEY to your OpenAI key/],
      [{ model: "anthropic:claude-sonnet-4-5" }, /set AGENT_API_KEY to your Anthropic key/],
      [{ model: "openai-compatible:llama3.2" }, /set AGENT_BASE_URL \(e\.g\. http:\/\/localhost/],
      [
        { model: "openai-compatible:llama3.2", baseUrl: "localhost:11434" },
        /AGENT_BASE_URL must be an http\(s\) URL/,
      ],
    ];
    for (const [config, message] of cases) {
      expect(() => resolveModel(config), JSON.stringify(config)).toThrow(ModelConfigError);
      expect(() => resolveModel(config), JSON.stringify(config)).toThrow(message);
    }
  });
});
