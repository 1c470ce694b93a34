// The composer's attach button: a file input the keyboard reaches (Tab, then Enter or Space),
// named "Attach files", over a visible "+". Loaded with the page; the rest of the attachment UI
// is not (lazy-attachments.ts).
import { useStrings } from "./i18n/use-strings.ts";

/** What the server accepts (packages/agents/src/attachments/policy.ts); it decides by the bytes. */
const ACCEPTED_FILES = "image/png,image/jpeg,image/webp,image/gif,.pdf,.txt,.md,.csv,.json";

/** At most this many files go with one message (MAX_FILES_PER_MESSAGE on the server). */
export const MAX_FILES = 10;

/** The attach button: a real button opening a hidden file input, so the keyboard reaches it. */
export function AttachButton({
  onFiles,
  disabled,
}: {
  onFiles: (files: File[]) => void;
  disabled: boolean;
}) {
  const { t } = useStrings();
  return (
    <label
      className={`relative flex h-11 w-11 shrink-0 cursor-pointer items-center justify-center rounded-xl border border-neutral-300 text-xl text-neutral-700 hover:bg-neutral-100 has-[:disabled]:opacity-50 focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-blue-600 dark:border-neutral-700 dark:text-neutral-200 dark:hover:bg-neutral-800`}
    >
      <span aria-hidden="true">+</span>
      <input
        type="file"
        multiple
        accept={ACCEPTED_FILES}
        disabled={disabled}
        aria-label={t("composer.attach")}
        className="absolute inset-0 h-full w-full cursor-pointer opacity-0 disabled:cursor-not-allowed"
        onChange={(event) => {
          const chosen = Array.from(event.currentTarget.files ?? []);
          // Cleared so that choosing the same file again (after removing it) fires again.
          event.currentTarget.value = "";
          if (chosen.length > 0) onFiles(chosen);
        }}
      />
    </label>
  );
}
