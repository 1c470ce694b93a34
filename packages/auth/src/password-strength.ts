// How easy a new password is to guess, estimated by zxcvbn-ts (dictionaries of common passwords,
// names and words, keyboard patterns, dates, repeats): a long but common password is refused as
// surely as a short one, and the refusal says why.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary as commonWords } from "@zxcvbn-ts/language-common";
import { dictionary as englishWords, translations } from "@zxcvbn-ts/language-en";

/**
 * The least zxcvbn score (0 to 4) a new password needs: 3, "safely unguessable: moderate
 * protection from an offline slow-hash scenario" (passwords are stored with Argon2id).
 */
export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/**
 * Why `password` is too easy to guess, or null when it is strong enough. `userInputs` (the
 * account's email and name) count as known words: a password made of them is weak.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | null {
  // Built on first use: the dictionaries take a moment to index.
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...commonWords, ...englishWords },
    graphs: adjacencyGraphs,
    translations,
  });
  const result = estimator.check(password, userInputs);
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const reasons = [result.feedback.warning, ...result.feedback.suggestions].filter(
    (reason): reason is string => Boolean(reason),
  );
  return `This password is too easy to guess.${reasons.length > 0 ? ` ${reasons.join(" ")}` : " Add more words or characters."}`;
}
