// The vanity page's settings: the tools this session's agents may run without asking ("Always
// allow" answers), each with a way to take it back.
import { useToolGrants } from "@agent-access/react";
import { focusRing } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";

function spoken(toolName: string): string {
  return toolName.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

export function GrantsPanel({ onClose }: { onClose: () => void }) {
  const { t } = useStrings();
  const { grants, loading, error, revoke } = useToolGrants();
  return (
    <section
      aria-labelledby="grants-heading"
      data-testid="grants-panel"
      className="border-b border-neutral-200 bg-white px-4 py-3 dark:border-neutral-800 dark:bg-neutral-950"
    >
      <div className="flex items-center justify-between">
        <h2 id="grants-heading" className="font-medium">
          {t("grants.title")}
        </h2>
        <button
          type="button"
          onClick={onClose}
          className={`rounded px-2 py-1 text-sm ${focusRing}`}
        >
          {t("grants.close")}
        </button>
      </div>
      {loading ? (
        <p role="status" className="mt-2 text-sm">
          {t("grants.loading")}
        </p>
      ) : grants.length === 0 ? (
        <p className="mt-2 text-sm text-neutral-600 dark:text-neutral-400">{t("grants.none")}</p>
      ) : (
        <ul className="mt-2 divide-y divide-neutral-200 dark:divide-neutral-800">
          {grants.map((grant) => (
            <li
              key={`${grant.agentId}/${grant.toolName}`}
              className="flex items-center justify-between gap-3 py-2 text-sm"
              data-testid="grant"
            >
              <span>
                <span className="font-medium">{spoken(grant.toolName)}</span>
                <span className="text-neutral-600 dark:text-neutral-400"> · {grant.agentName}</span>
              </span>
              <button
                type="button"
                onClick={() => void revoke(grant)}
                className={`rounded-md border border-neutral-300 px-2 py-1 dark:border-neutral-700 ${focusRing}`}
              >
                {t("grants.revoke")}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">
          {error.message}
        </p>
      )}
    </section>
  );
}
