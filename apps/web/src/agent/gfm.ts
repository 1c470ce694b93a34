// GitHub Flavored Markdown (tables, task lists, strikethrough, autolinks, footnotes) for
// react-markdown, parsing only. remark-gfm does the same but also brings the Markdown
// serializer (mdast-util-to-markdown), which a renderer never calls: 7 kB gzip of the vanity
// page's JavaScript.
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import type { Options } from "react-markdown";

type RemarkPlugin = Extract<
  NonNullable<Options["remarkPlugins"]>[number],
  (...args: never[]) => unknown
>;

/** Where remark-parse looks for syntax extensions (remark-parse declares these on unified's Data). */
interface ParserData {
  micromarkExtensions?: unknown[];
  fromMarkdownExtensions?: unknown[];
}

export const remarkGfmParse: RemarkPlugin = function remarkGfmParse() {
  // unified's Data type only knows these fields where remark-parse's types are loaded.
  const data = this.data() as unknown as ParserData;
  data.micromarkExtensions = [...(data.micromarkExtensions ?? []), gfm()];
  data.fromMarkdownExtensions = [...(data.fromMarkdownExtensions ?? []), gfmFromMarkdown()];
};
