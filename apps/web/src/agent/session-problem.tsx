// What the vanity page shows instead of a chat when there is no usable agent session: which
// problem it is, and the one thing to do about it (return to the app for a new link).
import { focusRing } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";

export type SessionProblemKind = "missing" | "invalid" | "used" | "expired" | "ended" | "signin";

/** Maps the server's refusal message to the screen that explains it. */
export function problemFromMessage(message: string): SessionProblemKind {
  if (message.includes("already used")) return "used";
  if (message.includes("expired") && message.startsWith("ticket")) return "expired";
  if (message.includes("not recognised")) return "invalid";
  if (message.includes("sign in")) return "signin";
  return "ended";
}

/** A link back to the host app; inside a frame it leaves the frame for the whole tab. */
export function ReturnLink({ href, className }: { href: string; className: string }) {
  const { t } = useStrings();
  const framed = typeof window !== "undefined" && window.top !== window.self;
  return (
    <a
      href={href}
      target={framed ? "_top" : undefined}
      className={`${className} ${focusRing}`}
      data-testid="return-to-app"
    >
      {t("vanity.returnToApp")}
    </a>
  );
}

export function SessionProblem({
  kind,
  returnUrl = "/",
}: {
  kind: SessionProblemKind;
  returnUrl?: string;
}) {
  const { t } = useStrings();
  return (
    <main
      className="flex min-h-dvh items-center justify-center p-6"
      data-testid="session-problem"
      data-kind={kind}
    >
      <div className="max-w-md text-center">
        <h1 className="text-xl font-semibold">{t(`problem.${kind}.title`)}</h1>
        <p className="mt-2 text-neutral-600 dark:text-neutral-400">{t(`problem.${kind}.body`)}</p>
        <ReturnLink
          href={returnUrl}
          className="mt-6 inline-block rounded-md bg-blue-700 px-4 py-2 font-medium text-white dark:bg-blue-500 dark:text-neutral-950"
        />
      </div>
    </main>
  );
}
