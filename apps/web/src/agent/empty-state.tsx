// The empty conversation: who the agent is, what it does, and messages to start with.
import type { AgentInfo } from "@agent-access/react";
import { useId } from "react";
import { focusRing } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";

interface EmptyStateProps {
  agent: AgentInfo | null;
  /** A line for this user (from the ticket's host context), shown above the description. */
  greeting?: string;
  /** Sends the prompt as the first message. */
  onPrompt: (prompt: string) => void;
  disabled?: boolean;
}

export function EmptyState({ agent, greeting, onPrompt, disabled = false }: EmptyStateProps) {
  const prompts = agent?.starterPrompts ?? [];
  const headingId = useId();
  const { t } = useStrings();
  return (
    <section
      aria-labelledby={headingId}
      className="mx-auto mt-12 flex max-w-xl flex-col items-center gap-3 text-center"
      data-testid="empty-state"
    >
      <h2 id={headingId} className="text-xl font-semibold">
        {agent?.name ?? t("empty.agent")}
      </h2>
      {greeting && <p className="text-neutral-700 dark:text-neutral-300">{greeting}</p>}
      {agent?.description && (
        <p className="text-sm text-neutral-600 dark:text-neutral-400">{agent.description}</p>
      )}
      {prompts.length > 0 && (
        <ul aria-label={t("empty.startWith")} className="mt-3 grid w-full gap-2 sm:grid-cols-2">
          {prompts.map((prompt) => (
            <li key={prompt}>
              <button
                type="button"
                disabled={disabled}
                onClick={() => onPrompt(prompt)}
                className={`w-full rounded-lg border border-neutral-300 bg-white px-3 py-2 text-left text-sm hover:border-blue-600 hover:bg-blue-50 disabled:opacity-50 dark:border-neutral-700 dark:bg-neutral-900 dark:hover:border-blue-400 dark:hover:bg-neutral-800 ${focusRing}`}
              >
                {prompt}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
