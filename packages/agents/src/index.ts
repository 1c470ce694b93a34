export {
  type AgentDefinition,
  type AgentRegistry,
  type AgentTool,
  type AskUserTool,
  askUser,
  type ContextGroupRule,
  createAgentRegistry,
  defineAgent,
  defineTool,
  type ExecutableTool,
  type ToolContext,
} from "./agent.ts";
export { AgentRuntimeError, type AgentRuntimeErrorCode } from "./errors.ts";
export { type BuiltinModelOptions, createBuiltinModel } from "./models/builtin.ts";
export { type ModelConfig, ModelConfigError, resolveModel } from "./models/resolve.ts";
export type { FailureLog } from "./runtime/failures.ts";
export {
  type AgentRuntime,
  type AgentRuntimeOptions,
  type ApprovalDecision,
  createAgentRuntime,
  DEFAULT_MAX_OUTPUT_TOKENS,
  type ListContextsInput,
  MAX_MESSAGE_LENGTH,
  type SendResult,
} from "./runtime/runtime.ts";
export { MAX_TITLE_LENGTH } from "./runtime/titles.ts";
export type {
  AgentScope,
  ContextEvent,
  ContextMessage,
  ContextStatus,
  ContextSummary,
  FinishedRunStatus,
  JsonValue,
  MessagePart,
  RunStatus,
  RunUsage,
  SequencedEvent,
  TextPart,
  ToolCallPart,
  ToolCallState,
} from "./types.ts";
export {
  defaultAgentRegistry,
  defaultAgents,
  workspaceAssistant,
} from "./workspace-assistant/index.ts";
export { getWebhookHealth, retryFailedDeliveries } from "./workspace-assistant/tools.ts";
