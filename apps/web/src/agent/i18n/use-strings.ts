// useStrings: the catalog in the UI's language, for components under AgentAccessProvider.
import { useAgentUi } from "@agent-access/react";
import { useMemo } from "react";
import {
  type Language,
  languageFor,
  type MessageKey,
  type MessageParams,
  translate,
} from "./index.ts";

export interface Strings {
  /** The message `key` with its placeholders filled. */
  t: (key: MessageKey, params?: MessageParams) => string;
  /** The catalog's language ("en", "de"), for `lang` attributes. */
  language: Language;
}

export function useStrings(): Strings {
  const { locale } = useAgentUi();
  const language = languageFor(locale);
  return useMemo(
    () => ({ language, t: (key, params) => translate(language, key, params) }),
    [language],
  );
}
