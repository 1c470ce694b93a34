// Agent text as Markdown (GFM tables, lists, code blocks with a Copy button and highlighting).
// A model's output is untrusted input: raw HTML in it is dropped, never rendered, and so are
// images, whose URLs could carry what the model read to another server (the content security
// policy blocks them too).
import ReactMarkdown, { type Components } from "react-markdown";
import { CodeBlock } from "./code-block.tsx";
import { remarkGfmParse } from "./gfm.ts";

const components: Components = {
  a: ({ children, href }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" className="underline">
      {children}
    </a>
  ),
  pre: ({ children }) => <CodeBlock>{children}</CodeBlock>,
  code: ({ children, className }) => (
    <code
      className={
        className
          ? `font-mono ${className}`
          : "rounded bg-neutral-200 px-1 py-0.5 font-mono text-[0.9em] dark:bg-neutral-800"
      }
    >
      {children}
    </code>
  ),
  table: ({ children }) => (
    // Focusable, so that a wide table can be scrolled from the keyboard.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable.
    <div className="my-2 overflow-x-auto" tabIndex={0}>
      <table className="w-full border-collapse text-sm">{children}</table>
    </div>
  ),
  th: ({ children }) => (
    <th className="border border-neutral-300 px-2 py-1 text-left dark:border-neutral-700">
      {children}
    </th>
  ),
  td: ({ children }) => (
    <td className="border border-neutral-300 px-2 py-1 dark:border-neutral-700">{children}</td>
  ),
  ul: ({ children }) => <ul className="my-2 list-disc pl-6">{children}</ul>,
  ol: ({ children }) => <ol className="my-2 list-decimal pl-6">{children}</ol>,
  p: ({ children }) => <p className="my-1.5 leading-relaxed">{children}</p>,
};

export function Markdown({ text }: { text: string }) {
  return (
    <div className="break-words" data-testid="text">
      <ReactMarkdown
        remarkPlugins={[remarkGfmParse]}
        skipHtml
        disallowedElements={["img"]}
        unwrapDisallowed
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}
