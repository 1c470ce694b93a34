// Turns the model setting (AGENT_MODEL and friends) into an AI SDK language model. The server's
// env.ts validates the same setting first; this is the second line, and the one tests call.
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { type BuiltinModelOptions, createBuiltinModel } from "./builtin.ts";

export interface ModelConfig {
  /** builtin | openai:<model> | anthropic:<model> | openai-compatible:<model> (AGENT_MODEL). */
  model: string;
  /** The provider's base URL (AGENT_BASE_URL); required for openai-compatible. */
  baseUrl?: string;
  /** The provider's API key (AGENT_API_KEY); required for openai and anthropic. */
  apiKey?: string;
  /** Options of the builtin model. */
  builtin?: BuiltinModelOptions;
}

/** A model setting that cannot work; the message says what to set. */
export class ModelConfigError extends Error {
  override name = "ModelConfigError";
}

const SETTING = /^(openai|anthropic|openai-compatible):(\S+)$/;

function requireKey(config: ModelConfig, provider: string): string {
  if (!config.apiKey) {
    throw new ModelConfigError(
      `AGENT_MODEL=${config.model} needs an API key: set AGENT_API_KEY to your ${provider} key.`,
    );
  }
  return config.apiKey;
}

function checkedBaseUrl(config: ModelConfig): string | undefined {
  if (config.baseUrl === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(config.baseUrl);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ModelConfigError(
      `AGENT_BASE_URL must be an http(s) URL such as http://localhost:11434/v1 (got "${config.baseUrl}").`,
    );
  }
  return config.baseUrl.replace(/\/+$/, "");
}

export function resolveModel(config: ModelConfig): LanguageModelV3 {
  if (config.model === "builtin") return createBuiltinModel(config.builtin);
  const match = SETTING.exec(config.model);
  if (!match) {
    throw new ModelConfigError(
      `AGENT_MODEL must be builtin, openai:<model>, anthropic:<model> or openai-compatible:<model> (got "${config.model}").`,
    );
  }
  const provider = match[1]!;
  const modelId = match[2]!;
  const baseURL = checkedBaseUrl(config);
  switch (provider) {
    case "openai":
      return createOpenAI({ apiKey: requireKey(config, "OpenAI"), baseURL })(modelId);
    case "anthropic":
      return createAnthropic({ apiKey: requireKey(config, "Anthropic"), baseURL })(modelId);
    default:
      if (!baseURL) {
        throw new ModelConfigError(
          `AGENT_MODEL=${config.model} needs the server's address: set AGENT_BASE_URL (e.g. http://localhost:11434/v1 for Ollama).`,
        );
      }
      return createOpenAICompatible({
        name: "openai-compatible",
        baseURL,
        apiKey: config.apiKey,
        // Without it the streamed chunks carry no token counts and runs record no usage.
        includeUsage: true,
      }).chatModel(modelId);
  }
}
