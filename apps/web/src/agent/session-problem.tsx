// What the vanity page shows instead of a chat when there is no usable agent session: which
// problem it is, and the one thing to do about it (return to the app for a new link).

export type SessionProblemKind = "missing" | "invalid" | "used" | "expired" | "ended" | "signin";

const COPY: Record<SessionProblemKind, { title: string; body: string }> = {
  missing: {
    title: "No agent session",
    body: "This page needs a link from your app. Return to your app and open the agent there.",
  },
  invalid: {
    title: "This link is not valid",
    body: "The ticket in it is not recognised. Return to your app and open the agent again.",
  },
  used: {
    title: "This link was already used",
    body: "Each link opens the agent once. Return to your app and open the agent again for a new one.",
  },
  expired: {
    title: "This link has expired",
    body: "Links are short-lived for your security. Return to your app and open the agent again.",
  },
  ended: {
    title: "Your agent session has ended",
    body: "It expired, or the agent was opened in another tab. Return to your app and open the agent again.",
  },
  signin: {
    title: "Sign in first",
    body: "This agent follows your signed-in account. Sign in to the app, then open the agent again.",
  },
};

/** Maps the server's refusal message to the screen that explains it. */
export function problemFromMessage(message: string): SessionProblemKind {
  if (message.includes("already used")) return "used";
  if (message.includes("expired") && message.startsWith("ticket")) return "expired";
  if (message.includes("not recognised")) return "invalid";
  if (message.includes("sign in")) return "signin";
  return "ended";
}

export function SessionProblem({
  kind,
  returnUrl = "/",
}: {
  kind: SessionProblemKind;
  returnUrl?: string;
}) {
  const copy = COPY[kind];
  return (
    <main
      className="flex min-h-dvh items-center justify-center p-6"
      data-testid="session-problem"
      data-kind={kind}
    >
      <div className="max-w-md text-center">
        <h1 className="text-xl font-semibold">{copy.title}</h1>
        <p className="mt-2 text-neutral-600 dark:text-neutral-400">{copy.body}</p>
        <a
          href={returnUrl}
          className="mt-6 inline-block rounded-md bg-blue-700 px-4 py-2 font-medium text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 dark:bg-blue-500 dark:text-neutral-950"
        >
          Return to the app
        </a>
      </div>
    </main>
  );
}
