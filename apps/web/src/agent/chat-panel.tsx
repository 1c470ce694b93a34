// One conversation, live: messages with the approval or question the agent waits on beside its
// tool call, and the composer. Used by the vanity page and by the host demo's embedded chat.
import { type AgentContextState, useAgentContext } from "@agent-access/react";
import { type ReactNode, useMemo } from "react";
import { Alert } from "../components/ui.tsx";
import { Composer } from "./composer.tsx";
import { EmptyState } from "./empty-state.tsx";
import { useStrings } from "./i18n/use-strings.ts";
import { MessageList } from "./message-list.tsx";
import type { ToolCallActions } from "./tool-call-card.tsx";

interface ChatPanelProps {
  /** The conversation, or "" for a new one (the first message creates it). */
  contextId: string;
  /** The agent of a conversation the first message creates (`AgentInfo.id`). */
  agentId: string;
  /** Called with the id of a conversation the first message created. */
  onCreated?: (contextId: string) => void;
  /** A line for this user on the empty screen (from the ticket's host context). */
  greeting?: string;
  /** Drawn above the messages with the conversation's state (its agent, for a header). */
  header?: (chat: AgentContextState) => ReactNode;
}

const CONNECTION_LABEL = {
  connecting: "chat.connecting",
  reconnecting: "chat.reconnecting",
  closed: "chat.disconnected",
} as const;

export function ChatPanel({ contextId, agentId, onCreated, greeting, header }: ChatPanelProps) {
  const { t } = useStrings();
  const chat = useAgentContext({ contextId, agentId });
  const working = chat.isExecuting && !chat.pendingApproval && !chat.pendingInput;
  const connection =
    chat.connectionState in CONNECTION_LABEL
      ? t(CONNECTION_LABEL[chat.connectionState as keyof typeof CONNECTION_LABEL])
      : null;

  /** A starter prompt sends at once; the composer sends its own text (useComposer). */
  async function send(text: string): Promise<void> {
    const sent = await chat.sendMessage(text);
    if (sent && sent.contextId !== contextId) onCreated?.(sent.contextId);
  }

  const { respondToApproval, submitInput } = chat;
  const toolActions = useMemo<ToolCallActions>(
    () => ({
      approvalId: chat.pendingApproval?.toolCallId ?? null,
      questionId: chat.pendingInput?.toolCallId ?? null,
      onDecide: (toolCallId, decision) => void respondToApproval(decision, toolCallId),
      onAnswer: (toolCallId, answer) => void submitInput(answer, toolCallId),
    }),
    [chat.pendingApproval, chat.pendingInput, respondToApproval, submitInput],
  );

  return (
    <div className="flex min-h-0 min-w-0 flex-1 flex-col">
      {header?.(chat)}
      {connection && contextId && (
        <p
          role="status"
          className="bg-amber-50 px-4 py-1 text-center text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200"
        >
          {connection}
        </p>
      )}
      <MessageList
        messages={chat.messages}
        streaming={working}
        hasMore={chat.hasMoreMessages}
        onLoadMore={chat.loadMoreMessages}
        empty={
          <EmptyState
            agent={chat.agent}
            greeting={greeting}
            disabled={chat.isExecuting}
            onPrompt={(prompt) => void send(prompt)}
          />
        }
        actions={{
          editableMessageId: chat.editableMessageId,
          idle: !chat.isExecuting,
          onRegenerate: () => void chat.regenerate(),
          onRetry: () => void chat.retry(),
          onEdit: async (messageId, text) => (await chat.editMessage(messageId, text)) !== null,
          onFeedback: chat.setFeedback,
        }}
        toolActions={toolActions}
      />
      {chat.error && (
        <div className="mx-auto flex w-full max-w-3xl flex-col gap-2 px-4 pb-3">
          <Alert>{chat.error.message}</Alert>
        </div>
      )}
      <Composer
        contextId={contextId}
        chat={chat}
        onSent={(sent) => {
          if (sent.contextId !== contextId) onCreated?.(sent.contextId);
        }}
      />
    </div>
  );
}
