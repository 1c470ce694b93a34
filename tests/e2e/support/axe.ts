// Automated accessibility checks with axe-core, run inside the page under test: the WCAG 2.1 A
// and AA rules and axe's best practices. A test asks for the serious and critical violations of
// the page as it is at that moment (a menu open, a card waiting) and expects none.
import fs from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const axeSource = fs.readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** One violated rule, with the elements it found, in a form that reads well in a failure. */
export interface AxeViolation {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

interface AxeResults {
  violations: {
    id: string;
    impact?: string | null;
    help: string;
    nodes: { target: unknown[] }[];
  }[];
}

/**
 * The serious and critical accessibility violations on `page` now (or within the elements of
 * `include`, a CSS selector). axe is injected on first use; the page's content security policy
 * does not apply to it, as it runs through the browser's debugging protocol.
 */
export async function seriousViolations(page: Page, include?: string): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => "axe" in window);
  if (!loaded) await page.evaluate(axeSource);
  const results = await page.evaluate(async (selector): Promise<AxeResults> => {
    const axe = (window as unknown as { axe: { run: (...args: unknown[]) => Promise<AxeResults> } })
      .axe;
    return axe.run(selector ? { include: [selector] } : document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
      resultTypes: ["violations"],
    });
  }, include ?? null);
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
}
