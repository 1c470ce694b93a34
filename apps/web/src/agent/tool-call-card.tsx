// A tool call as the user sees it, in the transcript where the agent made it: its name in
// words, its state, a one-line summary, the tool's own result renderer if the app registered
// one (AgentAccessProvider's toolRenderers), and the raw input and result on request. A call
// waiting for the user carries its approval or question card; an answered question reads as
// question and answer.
import { type ApprovalDecision, useToolCall } from "@agent-access/react";
import { WrenchIcon } from "../components/icons.tsx";
import { focusRing } from "../components/ui.tsx";
import { ApprovalCard, QuestionCard } from "./approval-card.tsx";
import type { MessageKey } from "./i18n/index.ts";
import { useStrings } from "./i18n/use-strings.ts";
import type { ToolCallPart } from "./types.ts";

const STATE_LOOK: Record<ToolCallPart["state"], { label: MessageKey; className: string }> = {
  running: {
    label: "tool.running",
    className: "bg-blue-100 text-blue-900 dark:bg-blue-950 dark:text-blue-200",
  },
  "awaiting-approval": {
    label: "tool.awaitingApproval",
    className: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  },
  "awaiting-input": {
    label: "tool.awaitingInput",
    className: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  },
  completed: {
    label: "tool.completed",
    className: "bg-green-100 text-green-900 dark:bg-green-950 dark:text-green-200",
  },
  denied: {
    label: "tool.denied",
    className: "bg-neutral-200 text-neutral-800 dark:bg-neutral-800 dark:text-neutral-200",
  },
  failed: {
    label: "tool.failed",
    className: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  },
  cancelled: {
    label: "tool.cancelled",
    className: "bg-neutral-200 text-neutral-800 dark:bg-neutral-800 dark:text-neutral-200",
  },
};

/** What the transcript does for a call that waits on the user (only the one still waiting). */
export interface ToolCallActions {
  /** The tool call waiting for approval and not answered yet, if any. */
  approvalId: string | null;
  /** The question waiting for an answer and not answered yet, if any. */
  questionId: string | null;
  onDecide: (toolCallId: string, decision: ApprovalDecision) => void;
  onAnswer: (toolCallId: string, answer: string) => void;
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="min-w-0">
      <div className="text-xs font-medium text-neutral-600 dark:text-neutral-400">{label}</div>
      {/* Wrapped, never wider than the card: long URLs and ids must not widen a phone's page. */}
      <pre
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable.
        tabIndex={0}
        className={`mt-1 max-h-48 overflow-auto whitespace-pre-wrap rounded bg-neutral-100 p-2 text-xs [overflow-wrap:anywhere] dark:bg-neutral-900 ${focusRing}`}
      >
        {JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

function hasInput(input: unknown): boolean {
  return input !== null && !(typeof input === "object" && Object.keys(input).length === 0);
}

export function ToolCallCard({ part, actions }: { part: ToolCallPart; actions?: ToolCallActions }) {
  const { t } = useStrings();
  const view = useToolCall(part);
  const look = STATE_LOOK[part.state];
  const waitingApproval = actions?.approvalId === part.toolCallId;
  const waitingAnswer = actions?.questionId === part.toolCallId;
  const { Result } = view;

  if (view.question && view.question.answer !== null) {
    // Answered: the question and the answer, as a short exchange.
    return (
      <div
        className="my-2 min-w-0 rounded-lg border border-neutral-200 bg-white px-3 py-2 text-sm dark:border-neutral-800 dark:bg-neutral-950"
        data-testid="tool-call"
        data-tool={part.toolName}
        data-state={part.state}
      >
        <p className="text-neutral-600 dark:text-neutral-400">
          <span className="font-medium">{t("tool.question")} </span>
          <span className="[overflow-wrap:anywhere]" data-testid="question">
            {view.question.question}
          </span>
        </p>
        <p className="mt-1">
          <span className="font-medium">{t("tool.yourAnswer")} </span>
          <span className="whitespace-pre-wrap [overflow-wrap:anywhere]" data-testid="answer">
            {view.question.answer}
          </span>
        </p>
      </div>
    );
  }

  return (
    <div
      className="my-2 flex min-w-0 flex-col gap-2"
      data-testid="tool-call"
      data-tool={part.toolName}
      data-state={part.state}
    >
      <div className="min-w-0 rounded-lg border border-neutral-200 bg-white text-sm dark:border-neutral-800 dark:bg-neutral-950">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1 px-3 pt-2">
          <WrenchIcon />
          <span className="font-medium">{view.title}</span>
          <span className={`ml-auto rounded-full px-2 py-0.5 text-xs ${look.className}`}>
            {t(look.label)}
          </span>
        </div>
        {view.summary && (
          <p
            className="px-3 pt-1 text-neutral-700 [overflow-wrap:anywhere] dark:text-neutral-300"
            data-testid="tool-summary"
          >
            {view.summary}
          </p>
        )}
        {Result && part.state === "completed" && (
          <div className="min-w-0 px-3 pt-2" data-testid="tool-result">
            <Result {...view.resultProps} />
          </div>
        )}
        <details
          className="px-3 py-2"
          // A failure is shown open, so its whole reason (a server that did not start...) is
          // read at once.
          open={part.state === "failed" ? true : undefined}
        >
          <summary className="cursor-pointer text-xs text-neutral-600 dark:text-neutral-400">
            {t("tool.details")}
            <span className="sr-only"> {t("tool.detailsOf", { tool: view.title })}</span>
          </summary>
          <div className="mt-2 flex flex-col gap-2">
            {hasInput(part.input) && <Json label={t("tool.input")} value={part.input} />}
            {part.output !== undefined && <Json label={t("tool.result")} value={part.output} />}
            {part.error && (
              <p className="text-red-700 [overflow-wrap:anywhere] dark:text-red-400">
                {part.error}
              </p>
            )}
          </div>
        </details>
      </div>
      {waitingApproval && actions && (
        <ApprovalCard
          toolName={part.toolName}
          input={part.input}
          onDecide={(decision) => actions.onDecide(part.toolCallId, decision)}
        />
      )}
      {waitingAnswer && actions && (
        <QuestionCard
          question={view.question?.question ?? t("chat.question")}
          onSubmit={(answer) => actions.onAnswer(part.toolCallId, answer)}
        />
      )}
    </div>
  );
}
