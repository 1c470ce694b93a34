// A fenced code block of an agent's reply: its language, a Copy button, and syntax highlighting
// from a chunk loaded when the first code block appears (highlight.ts). Until it has loaded, and
// if it fails to, the code shows as plain text.
import { Children, isValidElement, type ReactNode, useEffect, useState } from "react";
import { CopyIcon } from "../components/icons.tsx";
import { focusRing } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";

/** The highlighter, loaded once for the page by the first code block. */
let highlighter: Promise<typeof import("./highlight.ts")> | null = null;

function textOf(node: ReactNode): string {
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (Array.isArray(node)) return node.map(textOf).join("");
  if (isValidElement<{ children?: ReactNode }>(node)) return textOf(node.props.children);
  return "";
}

/** The code and the fence's language, from react-markdown's `<pre><code class="language-x">`. */
function codeOf(children: ReactNode): { code: string; language: string | null } {
  const [element] = Children.toArray(children);
  if (!isValidElement<{ className?: string; children?: ReactNode }>(element)) {
    return { code: textOf(children), language: null };
  }
  const language = /\blanguage-([\w+#.-]+)/.exec(element.props.className ?? "")?.[1] ?? null;
  // A fence's text ends in a newline that the block does not show.
  return { code: textOf(element.props.children).replace(/\n$/, ""), language };
}

type CopyState = "idle" | "copied" | "failed";

export function CodeBlock({ children }: { children?: ReactNode }) {
  const { t } = useStrings();
  const { code, language } = codeOf(children);
  // The highlighted HTML with the code it was made from: while a reply streams, code that has
  // grown since shows as text until its own highlighting is done, never an older one's.
  const [highlighted, setHighlighted] = useState<{ code: string; html: string } | null>(null);
  const html = highlighted?.code === code ? highlighted.html : null;
  const [copy, setCopy] = useState<CopyState>("idle");

  useEffect(() => {
    let live = true;
    highlighter ??= import("./highlight.ts");
    highlighter.then(
      (loaded) => live && setHighlighted({ code, html: loaded.highlight(code, language) }),
      () => {
        // Plain text it stays; the next block tries again.
        highlighter = null;
      },
    );
    return () => {
      live = false;
    };
  }, [code, language]);

  useEffect(() => {
    if (copy === "idle") return;
    const timer = setTimeout(() => setCopy("idle"), 2000);
    return () => clearTimeout(timer);
  }, [copy]);

  async function copyCode() {
    try {
      await navigator.clipboard.writeText(code);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  }

  return (
    <div
      className="my-2 min-w-0 overflow-hidden rounded-md bg-neutral-900 text-neutral-100 dark:bg-black"
      data-testid="code-block"
      data-highlighted={html !== null}
    >
      <div className="flex items-center justify-between border-b border-neutral-700 px-3 py-1 text-xs text-neutral-300">
        <span>{language ?? t("code.code")}</span>
        <button
          type="button"
          onClick={() => void copyCode()}
          className={`flex items-center gap-1 rounded px-1.5 py-0.5 hover:bg-neutral-700 ${focusRing}`}
        >
          <CopyIcon />
          <span aria-live="polite">
            {t(
              copy === "copied"
                ? "code.copied"
                : copy === "failed"
                  ? "code.copyFailed"
                  : "code.copy",
            )}
          </span>
        </button>
      </div>
      {/* Focusable, so that a long line can be scrolled to from the keyboard. */}
      <pre
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable.
        tabIndex={0}
        className={`overflow-x-auto p-3 text-sm ${focusRing}`}
      >
        {html === null ? (
          <code className="font-mono">{code}</code>
        ) : (
          // highlight.js escapes the code; its output's only markup is its own token spans.
          <code className="font-mono" dangerouslySetInnerHTML={{ __html: html }} />
        )}
      </pre>
    </div>
  );
}
