// Every string of the agent UI (the vanity page and the chat components built on the hooks), in
// English: the catalog's reference language. `{name}` marks a value filled in when shown; other
// languages (de.ts) must have every key with the same placeholders (catalog.test.ts).
export const en = {
  // The vanity page's frame.
  "vanity.opening": "Opening the agent…",
  "vanity.conversations": "Conversations",
  "vanity.closeConversations": "Close conversations",
  "vanity.showConversations": "Show conversations",
  "vanity.newChat": "New chat",
  "vanity.agentForNewChat": "Agent for the new chat",
  "vanity.settings": "Settings",
  "vanity.returnToApp": "Return to the app",

  // A link that would replace the session of another context group.
  "confirm.title": "Switch to another agent session?",
  "confirm.body":
    "This browser already has an agent session open, and the link you followed offers a different one. If you did not expect this link, keep your session: what you type in the link's session is seen by whoever it belongs to.",
  "confirm.current": "You are using",
  "confirm.offered": "The link offers",
  "confirm.signedInAccount": "Your signed-in account",
  "confirm.keep": "Keep my session",
  "confirm.switch": "Switch to the link's session",

  // The empty conversation's greeting, from the ticket's host context.
  "greeting.hello": "Hi {name}.",
  "greeting.about": "Ask about {workspace}.",

  // No usable session.
  "problem.missing.title": "No agent session",
  "problem.missing.body":
    "This page needs a link from your app. Return to your app and open the agent there.",
  "problem.invalid.title": "This link is not valid",
  "problem.invalid.body":
    "The ticket in it is not recognised. Return to your app and open the agent again.",
  "problem.used.title": "This link was already used",
  "problem.used.body":
    "Each link opens the agent once. Return to your app and open the agent again for a new one.",
  "problem.expired.title": "This link has expired",
  "problem.expired.body":
    "Links are short-lived for your security. Return to your app and open the agent again.",
  "problem.ended.title": "Your agent session has ended",
  "problem.ended.body":
    "It expired, or the agent was opened in another tab. Return to your app and open the agent again.",
  "problem.signin.title": "Sign in first",
  "problem.signin.body":
    "This agent follows your signed-in account. Sign in to the app, then open the agent again.",

  // Settings: tools allowed without asking.
  "grants.title": "Always allowed",
  "grants.close": "Close",
  "grants.loading": "Loading…",
  "grants.none": "No tool runs without asking. Answer “Always allow” to an approval to add one.",
  "grants.revoke": "Revoke",

  // The live conversation.
  "chat.connecting": "Connecting…",
  "chat.reconnecting": "Reconnecting…",
  "chat.disconnected": "Disconnected",
  "chat.question": "The agent has a question.",

  // The composer.
  "composer.message": "Message",
  "composer.placeholder": "Ask the agent…",
  "composer.stop": "Stop",
  "composer.send": "Send",
  "composer.sending": "Sending…",
  "composer.attach": "Attach files",
  "composer.hint": "Enter to send, Shift+Enter for a new line",
  "composer.blocked.uploading": "Uploading the files…",
  "composer.blocked.waitingForApproval": "The agent is waiting for your approval above.",
  "composer.blocked.waitingForInput": "Answer the agent's question above first.",
  "composer.blocked.running": "The agent is replying: wait, or stop it to send.",
  "composer.blocked.tooLong": "Too long: {length} of at most {max} characters.",

  // The transcript.
  "messages.writing": "The agent is writing",
  "messages.loadingEarlier": "Loading earlier messages…",

  // The conversations.
  "sidebar.label": "Conversations",
  "sidebar.newChat": "New chat",
  "sidebar.search": "Search conversations",
  "sidebar.noMatch": "No conversation matches.",
  "sidebar.none": "No conversations yet.",
  "sidebar.active": "(active)",
  "sidebar.newTitle": "New title",
  "sidebar.save": "Save",
  "sidebar.loading": "Loading…",
  "sidebar.loadMore": "Load more",
  "sidebar.deleteTitle": "Delete “{title}”?",
  "sidebar.deleteBody":
    "The conversation and its messages will be gone for everyone in this session.",
  "sidebar.keep": "Keep it",
  "sidebar.confirmDelete": "Delete",
  "sidebar.actions": "Actions for {title}",
  "sidebar.renameAction": "Rename",
  "sidebar.deleteAction": "Delete",
  "sidebar.today": "Today",
  "sidebar.yesterday": "Yesterday",
  "sidebar.previous7Days": "Previous 7 days",
  "sidebar.older": "Older",

  // Tool calls.
  "tool.running": "Running",
  "tool.awaitingApproval": "Needs your approval",
  "tool.awaitingInput": "Waiting for your answer",
  "tool.completed": "Done",
  "tool.denied": "Denied",
  "tool.failed": "Failed",
  "tool.cancelled": "Cancelled",
  "tool.input": "Input",
  "tool.result": "Result",
  "tool.details": "Details",
  "tool.detailsOf": "of {tool}",
  "tool.question": "Question:",
  "tool.yourAnswer": "Your answer:",
  "code.copy": "Copy code",
  "code.copied": "Copied",
  "code.copyFailed": "Copy failed",
  "code.code": "code",

  // Approvals and questions.
  "approval.title": "Allow “{tool}”?",
  "approval.body":
    "The agent wants to run this tool, which can change data. It waits for your answer.",
  "approval.allowOnce": "Allow once",
  "approval.allowAlways": "Always allow",
  "approval.deny": "Deny",
  "question.placeholder": "Your answer",
  "question.answer": "Answer",

  // Attached files.
  "files.icon": "FILE",
  "files.attached": "Attached files",
  "files.files": "Files",
  "files.file": "file",
  "files.uploading": "Uploading {name}",
  "files.remove": "Remove {name}",
  "files.download": "Download {label}",
  "files.tooMany": "A message carries at most {max} files: {dropped} left out.",

  // The host demo's embedded chat.
  "embedded.starting": "Starting the agent…",
  "embedded.ended":
    "This chat ended: it expired, or the agent was opened elsewhere with another session.",
  "embedded.failed": "The agent could not start.",
  "embedded.continue": "Continue here",
  "embedded.newChat": "New chat",
  "embedded.contextGroup": "Context group",
  "embedded.openFullPage": "Open full page",
  "demo.health.deliveries": "{count} deliveries",
  "demo.health.succeeded": "{share} succeeded",
  "demo.health.p95": "p95 {ms} ms",
  "demo.health.noneFailing": "No endpoint is failing.",
  "demo.health.failing": "Failing endpoints",
  "demo.health.endpoint": "Endpoint",
  "demo.health.failed": "Failed",
  "demo.health.total": "Deliveries",
  "embedded.hint": "Try “How healthy are my webhooks?” or “Please retry the failed deliveries”.",

  // A reply's actions and how it ended; editing the last message; the empty conversation.
  "actions.copy": "Copy",
  "actions.copyTitle": "Copy as Markdown",
  "actions.copied": "Copied",
  "actions.copyFailed": "Could not copy",
  "actions.regenerate": "Regenerate",
  "actions.regenerateTitle": "Answer again",
  "actions.good": "Good response",
  "actions.bad": "Bad response",
  "actions.whyBad": "What was wrong with it? (optional)",
  "actions.whyGood": "What was good? (optional)",
  "actions.sendFeedback": "Send feedback",
  "actions.skip": "Skip",
  "actions.yourFeedback": "Your feedback: {comment}",
  "outcome.failed": "The reply failed.",
  "outcome.cancelled": "You stopped this reply.",
  "outcome.interrupted": "The reply was interrupted.",
  "outcome.retry": "Retry",
  "edit.edit": "Edit",
  "edit.title": "Edit and send again",
  "edit.field": "Edited text",
  "edit.note": "Sending replaces this message and its reply; the old ones are not kept.",
  "edit.cancel": "Cancel",
  "edit.save": "Save and send",
  "empty.agent": "Agent",
  "empty.startWith": "Start with",
} as const;

export type MessageKey = keyof typeof en;
