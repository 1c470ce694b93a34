// The agent UI's string catalog: one module per language, English the reference. The language
// follows the UI's locale (useAgentUi: the ticket's `ui.locale`, the provider's, else the
// browser's): its primary subtag when there is a catalog for it ("de-CH" → German), else English.
import { de } from "./de.ts";
import { en, type MessageKey } from "./en.ts";

export type { MessageKey };

export const catalogs = { en, de } as const satisfies Record<string, Record<MessageKey, string>>;

export type Language = keyof typeof catalogs;

/** The catalog's language for a BCP 47 locale. */
export function languageFor(locale: string): Language {
  const primary = locale.split("-")[0]?.toLowerCase() ?? "";
  return primary in catalogs ? (primary as Language) : "en";
}

export type MessageParams = Record<string, string | number>;

/** The message `key` in `language`, with `{name}` placeholders filled from `params`. */
export function translate(language: Language, key: MessageKey, params?: MessageParams): string {
  const message: string = catalogs[language][key];
  if (!params) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
