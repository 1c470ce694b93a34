// A tool call as the user sees it: which tool, with what input, in what state, with what result.
import { WrenchIcon } from "../components/icons.tsx";
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

/** "getWebhookHealth" → "Get webhook health"; an MCP tool's "everything_echo" → "Everything echo". */
export function humanToolName(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <div>
      <div className="text-xs font-medium text-neutral-600 dark:text-neutral-400">{label}</div>
      <pre className="mt-1 max-h-48 overflow-auto rounded bg-neutral-100 p-2 text-xs dark:bg-neutral-900">
        {JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

export function ToolCallCard({ part }: { part: ToolCallPart }) {
  const { t } = useStrings();
  const look = STATE_LOOK[part.state];
  const hasInput =
    part.input !== null &&
    !(typeof part.input === "object" && Object.keys(part.input).length === 0);
  return (
    <details
      className="my-2 rounded-lg border border-neutral-200 bg-white text-sm dark:border-neutral-800 dark:bg-neutral-950"
      data-testid="tool-call"
      data-tool={part.toolName}
      data-state={part.state}
      // A failure is shown open, so its reason (a server that did not start...) is read at once.
      open={part.state === "failed" ? true : undefined}
    >
      <summary className="flex cursor-pointer items-center gap-2 px-3 py-2">
        <WrenchIcon />
        <span className="font-medium">{humanToolName(part.toolName)}</span>
        <span className={`ml-auto rounded-full px-2 py-0.5 text-xs ${look.className}`}>
          {t(look.label)}
        </span>
      </summary>
      <div className="flex flex-col gap-2 border-t border-neutral-200 px-3 py-2 dark:border-neutral-800">
        {hasInput && <Json label={t("tool.input")} value={part.input} />}
        {part.output !== undefined && <Json label={t("tool.result")} value={part.output} />}
        {part.error && <p className="text-red-700 dark:text-red-400">{part.error}</p>}
      </div>
    </details>
  );
}
