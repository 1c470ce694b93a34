// The questions an agent puts to the user mid-run: may it run a tool, and what is the answer.
import { type ApprovalDecision, humanToolName } from "@agent-access/react";
import { type FormEvent, useId, useState } from "react";
import { Button } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";

interface ApprovalCardProps {
  toolName: string;
  input: unknown;
  onDecide: (decision: ApprovalDecision) => void;
  busy?: boolean;
}

export function ApprovalCard({ toolName, input, onDecide, busy = false }: ApprovalCardProps) {
  const { t } = useStrings();
  const titleId = useId();
  return (
    <section
      aria-labelledby={titleId}
      data-testid="approval-card"
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 dark:border-amber-800 dark:bg-amber-950/40"
    >
      <h3 id={titleId} className="font-medium">
        {t("approval.title", { tool: humanToolName(toolName) })}
      </h3>
      <p className="mt-1 text-sm text-neutral-700 dark:text-neutral-300">{t("approval.body")}</p>
      {input !== null && typeof input === "object" && Object.keys(input).length > 0 && (
        <pre
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable.
          tabIndex={0}
          className="mt-2 max-h-40 overflow-auto whitespace-pre-wrap rounded bg-white p-2 text-xs [overflow-wrap:anywhere] dark:bg-neutral-900"
        >
          {JSON.stringify(input, null, 2)}
        </pre>
      )}
      <div className="mt-3 flex flex-wrap gap-2">
        <Button disabled={busy} onClick={() => onDecide("allow_once")}>
          {t("approval.allowOnce")}
        </Button>
        <Button variant="secondary" disabled={busy} onClick={() => onDecide("allow_always")}>
          {t("approval.allowAlways")}
        </Button>
        <Button variant="secondary" disabled={busy} onClick={() => onDecide("deny")}>
          {t("approval.deny")}
        </Button>
      </div>
    </section>
  );
}

interface QuestionCardProps {
  question: string;
  onSubmit: (answer: string) => void;
  busy?: boolean;
}

export function QuestionCard({ question, onSubmit, busy = false }: QuestionCardProps) {
  const { t } = useStrings();
  const [answer, setAnswer] = useState("");
  const id = useId();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (answer.trim()) onSubmit(answer.trim());
  }
  return (
    <form
      onSubmit={submit}
      data-testid="question-card"
      className="rounded-lg border border-blue-300 bg-blue-50 p-4 dark:border-blue-800 dark:bg-blue-950/40"
    >
      <label htmlFor={id} className="font-medium [overflow-wrap:anywhere]">
        {question}
      </label>
      <div className="mt-2 flex gap-2">
        <input
          id={id}
          value={answer}
          onChange={(event) => setAnswer(event.target.value)}
          className="min-w-0 flex-1 rounded-md border border-neutral-300 bg-white px-3 py-2 dark:border-neutral-700 dark:bg-neutral-900"
          placeholder={t("question.placeholder")}
        />
        <Button type="submit" disabled={busy || !answer.trim()}>
          {t("question.answer")}
        </Button>
      </div>
    </form>
  );
}
