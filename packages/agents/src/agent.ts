// Agents and their tools: what an app defines, and what the engine runs.
import type { Db } from "@agent-access/db";
import type { LanguageModelV3 } from "@ai-sdk/provider";
import { z } from "zod";
import { checkMcpServers, type McpServerConfig } from "./mcp/config.ts";
import type { HostContext } from "./types.ts";

/** What a tool receives besides its input: enough to scope its data to the caller's tenant. */
export interface ToolContext {
  /** The context group of the conversation, e.g. "workspace:42:user:7" or "user:usr_…". */
  contextGroup: string;
  /**
   * What the app's backend put in the ticket (user name, plan, locale...): read-only facts for
   * the agent, never a source of authority (`{}` when the ticket had none).
   */
  hostContext: HostContext;
  contextId: string;
  db: Db;
  /** Aborts when the run is cancelled or the server shuts down. */
  signal: AbortSignal;
  /** The engine's clock, in epoch ms. */
  now: () => number;
}

/** A tool the engine runs itself. Its output must be JSON (it is stored and sent to clients). */
export interface ExecutableTool<Input extends z.ZodType = z.ZodType> {
  kind: "execute";
  description: string;
  inputSchema: Input;
  /** The input's JSON Schema as the model sees it; default: made from `inputSchema`. */
  modelInputSchema?: Record<string, unknown>;
  /** Ask the user before every call (unless they chose "allow always"). Default false. */
  needsApproval: boolean;
  // A method, not a property, so that a tool of any input type fits `AgentTool`.
  execute(input: z.output<Input>, context: ToolContext): unknown;
}

/** A tool that puts a question to the user and pauses the run until they answer. */
export interface AskUserTool {
  kind: "ask-user";
  description: string;
  inputSchema: typeof askUserInput;
}

export type AgentTool = ExecutableTool | AskUserTool;

export function defineTool<Input extends z.ZodType>(tool: {
  description: string;
  inputSchema: Input;
  needsApproval?: boolean;
  execute(input: z.output<Input>, context: ToolContext): unknown;
}): ExecutableTool<Input> {
  return {
    kind: "execute",
    description: tool.description,
    inputSchema: tool.inputSchema,
    needsApproval: tool.needsApproval ?? false,
    execute: tool.execute,
  };
}

const askUserInput = z.object({
  question: z
    .string()
    .min(1)
    .describe("The question, in one or two sentences.")
    .meta({ examples: ["What would you like me to do next?"] }),
});

/**
 * Asks the user a question and waits: the run pauses in `waiting_for_input` until the answer
 * comes through `submitInput`, and the model then sees `{ answer }` as the tool's result.
 */
export const askUser: AskUserTool = {
  kind: "ask-user",
  description:
    "Ask the user a question and wait for the answer. Use it when you need a decision or a detail only the user knows.",
  inputSchema: askUserInput,
};

/**
 * The format static context groups of an agent must have, checked when a ticket naming the
 * agent is minted; a refused ticket's message quotes `description`.
 */
export interface ContextGroupRule {
  /** Matched against the whole group (anchoring is implied), e.g. /shop:\d+:staff:\d+/. */
  pattern: RegExp;
  /** What a group must look like, in words, e.g. "shop:<id>:staff:<id>, such as shop:3:staff:9". */
  description: string;
}

export interface AgentDefinition {
  /** Stable id, used in tickets and stored with each context. */
  id: string;
  name: string;
  description: string;
  /**
   * The system prompt, or a template that writes it for each run from the ticket's host context
   * and the conversation's context group.
   */
  instructions: string | ((input: InstructionsInput) => string);
  /** Tools by the name the model calls them with. */
  tools: Record<string, AgentTool>;
  /**
   * MCP servers whose tools the model gets beside `tools`, named `<server>_<tool>`. Their calls
   * need approval unless the server (or the tool, in `tools`) says otherwise. Default none.
   */
  mcpServers?: McpServerConfig[];
  /** A model for this agent only; default: the runtime's model. */
  model?: LanguageModelV3;
  /**
   * The format of this agent's static context groups. Default: the rule of the ticket door that
   * mints the ticket, or the server's format (CONTEXT_GROUP_PATTERN).
   */
  contextGroup?: ContextGroupRule;
  /**
   * The longest reply of one model step, in tokens; default: the runtime's `maxOutputTokens`.
   * Passed to the model, and enforced by the engine for a model that ignores it.
   */
  maxOutputTokens?: number;
  /**
   * Messages a user can start a conversation with, shown on the empty screen (at most
   * MAX_STARTER_PROMPTS, each at most MAX_STARTER_PROMPT_LENGTH characters). Default none.
   */
  starterPrompts?: readonly string[];
}

/** The most starter prompts an agent may offer. */
export const MAX_STARTER_PROMPTS = 6;
/** The longest starter prompt, in characters. */
export const MAX_STARTER_PROMPT_LENGTH = 200;

/** What an instructions template is given. */
export interface InstructionsInput {
  hostContext: HostContext;
  contextGroup: string;
}

/** The agent's system prompt for one run. */
export function instructionsFor(agent: AgentDefinition, input: InstructionsInput): string {
  return typeof agent.instructions === "function" ? agent.instructions(input) : agent.instructions;
}

const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/** Checks an agent's id, tool names (the providers' rules) and starter prompts; returns it. */
export function defineAgent(agent: AgentDefinition): AgentDefinition {
  if (!AGENT_ID.test(agent.id)) {
    throw new Error(`Agent id "${agent.id}" must be lowercase letters, digits and dashes.`);
  }
  for (const name of Object.keys(agent.tools)) {
    if (!TOOL_NAME.test(name)) {
      throw new Error(
        `Tool name "${name}" of agent "${agent.id}" must start with a letter and hold only letters, digits, _ and -.`,
      );
    }
  }
  checkMcpServers(agent.id, agent.mcpServers ?? []);
  const prompts = agent.starterPrompts ?? [];
  if (prompts.length > MAX_STARTER_PROMPTS) {
    throw new Error(
      `Agent "${agent.id}" has ${prompts.length} starter prompts; at most ${MAX_STARTER_PROMPTS} are shown.`,
    );
  }
  for (const prompt of prompts) {
    if (prompt.trim() === "" || prompt.length > MAX_STARTER_PROMPT_LENGTH) {
      throw new Error(
        `Each starter prompt of agent "${agent.id}" must be 1 to ${MAX_STARTER_PROMPT_LENGTH} characters.`,
      );
    }
  }
  return agent;
}
