// One conversation, live: messages, the approval or question the agent waits on, and the
// composer. Used by the vanity page and by the host demo's embedded chat.
import { useAgentContext } from "@agent-access/react";
import { Alert } from "../components/ui.tsx";
import { ApprovalCard, QuestionCard } from "./approval-card.tsx";
import { Composer } from "./composer.tsx";
import { EmptyState } from "./empty-state.tsx";
import { useStrings } from "./i18n/use-strings.ts";
import { MessageList } from "./message-list.tsx";

interface ChatPanelProps {
  /** The conversation, or "" for a new one (the first message creates it). */
  contextId: string;
  /** The agent of a conversation the first message creates (`AgentInfo.id`). */
  agentId: string;
  /** Called with the id of a conversation the first message created. */
  onCreated?: (contextId: string) => void;
  /** A line for this user on the empty screen (from the ticket's host context). */
  greeting?: string;
}

const CONNECTION_LABEL = {
  connecting: "chat.connecting",
  reconnecting: "chat.reconnecting",
  closed: "chat.disconnected",
} as const;

export function ChatPanel({ contextId, agentId, onCreated, greeting }: ChatPanelProps) {
  const { t } = useStrings();
  const chat = useAgentContext({ contextId, agentId });
  const working = chat.isExecuting && !chat.pendingApproval && !chat.pendingInput;
  const connection =
    chat.connectionState in CONNECTION_LABEL
      ? t(CONNECTION_LABEL[chat.connectionState as keyof typeof CONNECTION_LABEL])
      : null;

  async function send(text: string, files: File[]): Promise<boolean> {
    const sent = await chat.sendMessage(text, { files });
    if (sent && sent.contextId !== contextId) onCreated?.(sent.contextId);
    return sent !== null;
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col">
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
            onPrompt={(prompt) => void send(prompt, [])}
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
      />
      <div className="mx-auto flex w-full max-w-3xl flex-col gap-2 px-4 pb-3 empty:hidden">
        {chat.pendingApproval && (
          <ApprovalCard
            toolName={chat.pendingApproval.toolName}
            input={chat.pendingApproval.input}
            onDecide={(decision) => void chat.respondToApproval(decision)}
          />
        )}
        {chat.pendingInput && (
          <QuestionCard
            question={chat.pendingInput.question ?? t("chat.question")}
            onSubmit={(answer) => void chat.submitInput(answer)}
          />
        )}
        {chat.error && <Alert>{chat.error.message}</Alert>}
      </div>
      <Composer
        onSend={send}
        uploads={chat.uploads}
        onStop={() => void chat.stop()}
        executing={chat.isExecuting}
        placeholder={chat.pendingInput ? t("chat.answerFirst") : undefined}
        disabled={Boolean(chat.pendingApproval || chat.pendingInput)}
      />
    </div>
  );
}
