// The agent UI in German. Every key of en.ts, with the same placeholders (catalog.test.ts).
import type { MessageKey } from "./en.ts";

export const de: Record<MessageKey, string> = {
  "vanity.opening": "Agent wird geöffnet…",
  "vanity.conversations": "Unterhaltungen",
  "vanity.closeConversations": "Unterhaltungen schließen",
  "vanity.showConversations": "Unterhaltungen anzeigen",
  "vanity.newChat": "Neuer Chat",
  "vanity.agent": "Agent",
  "vanity.settings": "Einstellungen",
  "vanity.returnToApp": "Zurück zur App",

  "confirm.title": "Zu einer anderen Agent-Sitzung wechseln?",
  "confirm.body":
    "In diesem Browser ist schon eine Agent-Sitzung offen, und der Link, dem du gefolgt bist, bietet eine andere an. Wenn du diesen Link nicht erwartet hast, behalte deine Sitzung: Was du in der Sitzung des Links schreibst, sieht, wem sie gehört.",
  "confirm.current": "Du verwendest",
  "confirm.offered": "Der Link bietet",
  "confirm.signedInAccount": "Dein angemeldetes Konto",
  "confirm.keep": "Meine Sitzung behalten",
  "confirm.switch": "Zur Sitzung des Links wechseln",

  "greeting.hello": "Hallo {name}.",
  "greeting.about": "Fragen zu {workspace}.",

  "problem.missing.title": "Keine Agent-Sitzung",
  "problem.missing.body":
    "Diese Seite braucht einen Link aus deiner App. Kehre zur App zurück und öffne den Agenten dort.",
  "problem.invalid.title": "Dieser Link ist ungültig",
  "problem.invalid.body":
    "Das Ticket darin ist unbekannt. Kehre zur App zurück und öffne den Agenten erneut.",
  "problem.used.title": "Dieser Link wurde schon verwendet",
  "problem.used.body":
    "Jeder Link öffnet den Agenten nur einmal. Kehre zur App zurück und öffne den Agenten erneut, um einen neuen zu bekommen.",
  "problem.expired.title": "Dieser Link ist abgelaufen",
  "problem.expired.body":
    "Links gelten zu deiner Sicherheit nur kurz. Kehre zur App zurück und öffne den Agenten erneut.",
  "problem.ended.title": "Deine Agent-Sitzung ist beendet",
  "problem.ended.body":
    "Sie ist abgelaufen, oder der Agent wurde in einem anderen Tab geöffnet. Kehre zur App zurück und öffne den Agenten erneut.",
  "problem.signin.title": "Bitte zuerst anmelden",
  "problem.signin.body":
    "Dieser Agent folgt deinem angemeldeten Konto. Melde dich in der App an und öffne den Agenten dann erneut.",

  "grants.title": "Immer erlaubt",
  "grants.close": "Schließen",
  "grants.loading": "Wird geladen…",
  "grants.none":
    "Kein Werkzeug läuft ohne Nachfrage. Antworte bei einer Freigabe mit „Immer erlauben“, um eines hinzuzufügen.",
  "grants.revoke": "Widerrufen",

  "chat.connecting": "Verbindung wird hergestellt…",
  "chat.reconnecting": "Verbindung wird wiederhergestellt…",
  "chat.disconnected": "Getrennt",
  "chat.question": "Der Agent hat eine Frage.",
  "chat.answerFirst": "Beantworte zuerst die Frage oben",

  "composer.message": "Nachricht",
  "composer.placeholder": "Frag den Agenten…",
  "composer.stop": "Stoppen",
  "composer.send": "Senden",
  "composer.sending": "Wird gesendet…",
  "composer.attach": "Dateien anhängen",

  "messages.writing": "Der Agent schreibt",
  "messages.loadingEarlier": "Ältere Nachrichten werden geladen…",

  "sidebar.label": "Unterhaltungen",
  "sidebar.newChat": "Neuer Chat",
  "sidebar.search": "Unterhaltungen durchsuchen",
  "sidebar.noMatch": "Keine Unterhaltung passt.",
  "sidebar.none": "Noch keine Unterhaltungen.",
  "sidebar.active": "(aktiv)",
  "sidebar.rename": "{title} umbenennen",
  "sidebar.delete": "{title} löschen",
  "sidebar.newTitle": "Neuer Titel",
  "sidebar.save": "Speichern",
  "sidebar.loading": "Wird geladen…",
  "sidebar.loadMore": "Mehr laden",
  "sidebar.deleteTitle": "„{title}“ löschen?",
  "sidebar.deleteBody":
    "Die Unterhaltung und ihre Nachrichten sind dann für alle in dieser Sitzung weg.",
  "sidebar.keep": "Behalten",
  "sidebar.confirmDelete": "Löschen",

  "tool.running": "Läuft",
  "tool.awaitingApproval": "Braucht deine Freigabe",
  "tool.awaitingInput": "Wartet auf deine Antwort",
  "tool.completed": "Fertig",
  "tool.denied": "Abgelehnt",
  "tool.failed": "Fehlgeschlagen",
  "tool.cancelled": "Abgebrochen",
  "tool.input": "Eingabe",
  "tool.result": "Ergebnis",

  "approval.title": "„{tool}“ erlauben?",
  "approval.body":
    "Der Agent möchte dieses Werkzeug ausführen, das Daten ändern kann. Er wartet auf deine Antwort.",
  "approval.allowOnce": "Einmal erlauben",
  "approval.allowAlways": "Immer erlauben",
  "approval.deny": "Ablehnen",
  "question.placeholder": "Deine Antwort",
  "question.answer": "Antworten",

  "files.icon": "DATEI",
  "files.attached": "Angehängte Dateien",
  "files.files": "Dateien",
  "files.file": "Datei",
  "files.uploading": "{name} wird hochgeladen",
  "files.remove": "{name} entfernen",
  "files.download": "{label} herunterladen",
  "files.tooMany": "Eine Nachricht trägt höchstens {max} Dateien: {dropped} weggelassen.",

  "embedded.starting": "Agent wird gestartet…",
  "embedded.ended":
    "Dieser Chat ist beendet: Er ist abgelaufen, oder der Agent wurde anderswo mit einer anderen Sitzung geöffnet.",
  "embedded.failed": "Der Agent konnte nicht starten.",
  "embedded.continue": "Hier fortfahren",
  "embedded.newChat": "Neuer Chat",
  "embedded.contextGroup": "Kontextgruppe",
  "embedded.openFullPage": "Ganze Seite öffnen",

  // A reply's actions and how it ended; editing the last message; the empty conversation.
  "actions.copy": "Kopieren",
  "actions.copyTitle": "Als Markdown kopieren",
  "actions.copied": "Kopiert",
  "actions.copyFailed": "Kopieren fehlgeschlagen",
  "actions.regenerate": "Neu erzeugen",
  "actions.regenerateTitle": "Noch einmal antworten",
  "actions.good": "Gute Antwort",
  "actions.bad": "Schlechte Antwort",
  "actions.whyBad": "Was war daran falsch? (optional)",
  "actions.whyGood": "Was war gut? (optional)",
  "actions.sendFeedback": "Feedback senden",
  "actions.skip": "Überspringen",
  "actions.yourFeedback": "Dein Feedback: {comment}",
  "outcome.failed": "Die Antwort ist fehlgeschlagen.",
  "outcome.cancelled": "Du hast diese Antwort angehalten.",
  "outcome.interrupted": "Die Antwort wurde unterbrochen.",
  "outcome.retry": "Erneut versuchen",
  "edit.edit": "Bearbeiten",
  "edit.title": "Bearbeiten und erneut senden",
  "edit.field": "Bearbeiteter Text",
  "edit.note": "Senden ersetzt diese Nachricht und ihre Antwort; die alten werden nicht behalten.",
  "edit.cancel": "Abbrechen",
  "edit.save": "Speichern und senden",
  "empty.agent": "Agent",
  "empty.startWith": "Beginne mit",
};
