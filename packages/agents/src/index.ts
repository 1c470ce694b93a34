export {
  type AgentDefinition,
  type AgentTool,
  type AskUserTool,
  askUser,
  type ContextGroupRule,
  defineAgent,
  defineTool,
  type ExecutableTool,
  type InstructionsInput,
  MAX_STARTER_PROMPT_LENGTH,
  MAX_STARTER_PROMPTS,
  type ToolContext,
} from "./agent.ts";
export {
  ATTACHMENT_TYPES,
  type AttachmentType,
  DEFAULT_GROUP_QUOTA_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_UNSENT_GRACE_MS,
  type FileVerdict,
  IMAGE_TYPES,
  isImageType,
  isTextType,
  judgeFile,
  MAX_FILES_PER_MESSAGE,
  TEXT_TYPES,
} from "./attachments/policy.ts";
export {
  type AttachmentStore,
  databaseAttachmentStore,
  folderAttachmentStore,
} from "./attachments/store.ts";
export { AgentRuntimeError, type AgentRuntimeErrorCode } from "./errors.ts";
export {
  checkMcpServers,
  describeConfigIssues,
  type McpConfigFile,
  type McpServerConfig,
  type McpServerJson,
  type McpTenancy,
  type McpTenancyInput,
  mcpConfigFileSchema,
} from "./mcp/config.ts";
export { readMcpConfigFile, withMcpConfig } from "./mcp/config-file.ts";
export { MCP_TOOLS_CACHE_MS, mcpToolName } from "./mcp/hub.ts";
export { packageBin } from "./mcp/package-bin.ts";
export { type BuiltinModelOptions, createBuiltinModel } from "./models/builtin.ts";
export { type ModelConfig, ModelConfigError, resolveModel } from "./models/resolve.ts";
export { type AgentRegistry, createAgentRegistry } from "./registry.ts";
export type { AttachmentOptions, UploadedFile } from "./runtime/attachments.ts";
export type { CommitHook, CommittedChange } from "./runtime/engine.ts";
export type { FailureLog } from "./runtime/failures.ts";
export {
  type AgentRuntime,
  type AgentRuntimeOptions,
  type ApprovalDecision,
  createAgentRuntime,
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_RUN_HEARTBEAT_MS,
  DEFAULT_RUN_LEASE_MS,
  type ListContextsInput,
  MAX_FEEDBACK_COMMENT_LENGTH,
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
  FeedbackRating,
  FilePart,
  FinishedRunStatus,
  HostContext,
  JsonValue,
  MessageFeedback,
  MessagePart,
  RunOutcome,
  RunStatus,
  RunUsage,
  SequencedEvent,
  TextPart,
  ToolCallPart,
  ToolCallState,
} from "./types.ts";
