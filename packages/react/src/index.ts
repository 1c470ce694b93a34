// @agent-access/react: AgentAccessProvider and the hooks a custom agent UI is built from.
export { type AgentPageUrlOptions, agentPageUrl } from "./agent-page-url.ts";
export {
  AttachmentError,
  type AttachmentTarget,
  attachmentUrl,
  type FilePart,
  type FileUpload,
  uploadAttachment,
} from "./attachments.ts";
export { type DateGroup, type DateGroupKey, groupContextsByDate } from "./date-groups.ts";
export { type DraftStorage, MAX_DRAFT_CHARS, MAX_DRAFTS } from "./drafts.ts";
export { AgentAccessProvider, type AgentAccessProviderProps } from "./provider.tsx";
export {
  describeToolCall,
  humanToolName,
  type ToolCallDescription,
  type ToolQuestion,
} from "./tool-calls.ts";
export {
  type ToolCallView,
  type ToolRenderer,
  type ToolRenderers,
  type ToolResultProps,
  type UseToolCallOptions,
  useToolCall,
} from "./tool-renderers.tsx";
export { errorCode } from "./trpc.ts";
export type {
  AgentInfo,
  AgentSessionInfo,
  ApprovalDecision,
  ContextEvent,
  ContextMessage,
  ContextStatus,
  ContextSummary,
  FeedbackRating,
  MessageFeedback,
  MessagePart,
  RunOutcome,
  SendResult,
  ToolCallPart,
} from "./types.ts";
export { type AccentPair, accentPair, contrastRatio } from "./ui/accent.ts";
export type { AgentFormat } from "./ui/format.ts";
export {
  type AgentUi,
  type ColorScheme,
  type ResolvedAgentUi,
  resolveAgentUi,
  themeVariables,
} from "./ui/settings.ts";
export {
  type AgentContextState,
  type AgentMessage,
  type ConnectionState,
  type SendMessageOptions,
  type SentMessage,
  type UseAgentContextOptions,
  useAgentContext,
  type WaitingToolCall,
} from "./use-agent-context.ts";
export {
  type AgentContextsState,
  type CreateContextInput,
  type UseAgentContextsOptions,
  useAgentContexts,
} from "./use-agent-contexts.ts";
export {
  type AgentSessionSource,
  type AgentSessionState,
  clearTicketFromUrl,
  type UseAgentSessionOptions,
  useAgentSession,
} from "./use-agent-session.ts";
export { type AgentUiState, useAgentUi } from "./use-agent-ui.ts";
export { useAttachmentUrl } from "./use-attachment-url.ts";
export {
  type ComposerState,
  MAX_MESSAGE_LENGTH,
  type SendBlockedReason,
  sendBlockedReason,
  type UseComposerOptions,
  useComposer,
} from "./use-composer.ts";
export {
  type TicketPreview,
  type TicketPreviewState,
  useTicketPreview,
} from "./use-ticket-preview.ts";
export {
  type ToolGrant,
  type ToolGrantsState,
  type UseToolGrantsOptions,
  useToolGrants,
} from "./use-tool-grants.ts";
