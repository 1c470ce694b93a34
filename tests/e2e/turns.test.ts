// A conversation's turns as a user meets them on the vanity page, in a real Chromium against the
// production build: the empty screen with the agent's starter prompts, a title the model gives
// the conversation, Copy, Good / Bad response with a comment, Edit and resend, and a failed
// reply that says why (after a reload too) and is retried. It drives the demo's agent, so
// `pnpm remove-demo` deletes it with the demo.
import { all, closeDatabase, insertTicket, newSecret, openDatabase } from "@agent-access/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const group = `workspace:1:user:turns-${Date.now()}`;

/** A vanity page URL with a fresh ticket for the workspace assistant in `group`. */
async function vanityUrl(): Promise<string> {
  const db = openDatabase(server.databasePath);
  const token = newSecret("aat_");
  await insertTicket(
    db,
    {
      token,
      agentIds: ["workspace-assistant"],
      sessionType: "static",
      contextGroup: group,
      issuer: "test",
      expiresAt: Date.now() + 10 * 60_000,
    },
    Date.now(),
  );
  await closeDatabase(db);
  return `${server.url}/vanity/agents?ticket=${token}`;
}

/** A query on the server's database file. */
async function query<T>(sql: string, ...params: unknown[]): Promise<T[]> {
  const db = openDatabase(server.databasePath);
  try {
    return await all<T>(db, sql, params);
  } finally {
    await closeDatabase(db);
  }
}

const messages = () => page.getByTestId("message");
const userMessages = () => page.locator('[data-testid="message"][data-role="user"]');
const lastReply = () => page.locator('[data-testid="message"][data-role="assistant"]').last();
const idle = () => page.getByRole("button", { name: "Send" }).isVisible();

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchBrowser();
  context = await browser.newContext({
    viewport: { width: 1200, height: 900 },
    permissions: ["clipboard-read", "clipboard-write"],
  });
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, context.pages());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("turns on the vanity page", () => {
  it("shows the agent and its starter prompts, and starts with one", async () => {
    page = await context.newPage();
    await page.goto(await vanityUrl());
    await page.waitForURL(/\/vanity\/agents$/);
    const empty = page.getByTestId("empty-state");
    await expect.poll(() => empty.isVisible()).toBe(true);
    expect(await empty.getByRole("heading", { name: "Workspace assistant" }).isVisible()).toBe(
      true,
    );
    expect(await empty.textContent()).toContain(
      "Answers questions about this workspace's webhooks.",
    );
    const prompts = empty.getByRole("list", { name: "Start with" }).getByRole("button");
    expect(await prompts.allTextContents()).toEqual([
      "How healthy are my webhooks?",
      "Please retry the failed deliveries",
      "Ask me a question",
    ]);

    // From the keyboard: the first prompt is a real button.
    await prompts.first().focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => userMessages().count(), { timeout: 20_000 }).toBe(1);
    expect(await userMessages().first().textContent()).toContain("How healthy are my webhooks?");
    // The reply (this server has no demo workspace, so the tool's card says it failed) ends with
    // its actions.
    await expect
      .poll(() => lastReply().getByTestId("reply-actions").isVisible(), { timeout: 30_000 })
      .toBe(true);
    expect(await lastReply().textContent()).toContain("Get webhook health");
    // After the first reply the model named the conversation, in the header and the sidebar.
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 20_000 })
      .toBe("Healthy webhooks");
    expect(await page.getByRole("navigation", { name: "Conversations" }).textContent()).toContain(
      "Healthy webhooks",
    );
  });

  it("copies a reply as Markdown", async () => {
    await expect.poll(idle, { timeout: 30_000 }).toBe(true);
    const stored = await query<{ parts: string }>(
      "SELECT m.parts FROM message m JOIN context c ON c.id = m.context_id WHERE c.context_group = ? AND m.role = 'assistant'",
      group,
    );
    const markdown = (JSON.parse(stored[0]!.parts) as { type: string; text?: string }[])
      .filter((part) => part.type === "text")
      .map((part) => part.text)
      .join("\n\n");
    await lastReply().getByRole("button", { name: "Copy", exact: true }).click();
    await expect.poll(() => lastReply().getByRole("status").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(markdown);
  });

  it("rates a reply bad with a comment, kept after a reload", async () => {
    const bad = lastReply().getByRole("button", { name: "Bad response" });
    await bad.click();
    await expect.poll(() => bad.getAttribute("aria-pressed")).toBe("true");
    await page.getByLabel("What was wrong with it? (optional)").fill("The p95 is missing.");
    await page.getByRole("button", { name: "Send feedback" }).click();
    await expect.poll(() => page.getByTestId("feedback-form").count()).toBe(0);
    await expect
      .poll(() =>
        query<{ rating: string; comment: string }>(
          "SELECT rating, comment FROM message_feedback WHERE context_group = ?",
          group,
        ),
      )
      .toEqual([{ rating: "bad", comment: "The p95 is missing." }]);

    await page.reload();
    const reloaded = lastReply().getByRole("button", { name: "Bad response" });
    await expect
      .poll(() => reloaded.getAttribute("aria-pressed"), { timeout: 20_000 })
      .toBe("true");
    expect(
      await lastReply().getByRole("button", { name: "Good response" }).getAttribute("aria-pressed"),
    ).toBe("false");
    expect(await lastReply().getByTestId("feedback-comment").textContent()).toContain(
      "The p95 is missing.",
    );
  });

  it("edits the last message and sends it again, replacing that turn", async () => {
    const before = await userMessages().first().getAttribute("data-testid");
    expect(before).toBe("message");
    await userMessages().last().getByRole("button", { name: "Edit", exact: true }).click();
    const field = page.getByLabel("Edited text");
    await field.fill("stream 12 words");
    await page.getByRole("button", { name: "Save and send" }).click();
    await expect
      .poll(() => userMessages().last().textContent(), { timeout: 20_000 })
      .toContain("stream 12 words");
    await expect.poll(idle, { timeout: 30_000 }).toBe(true);
    // One turn: the new message and its reply; the old ones are gone, with the rating.
    expect(await messages().count()).toBe(2);
    expect(await page.getByText("How healthy are my webhooks?").count()).toBe(0);
    expect((await lastReply().textContent())?.split(" ").length).toBeGreaterThanOrEqual(12);
    expect(await query("SELECT 1 FROM message_feedback WHERE context_group = ?", group)).toEqual(
      [],
    );
  });

  it("shows a failed reply with its reason, after a reload too, and Retry answers again", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await expect.poll(() => page.getByTestId("empty-state").isVisible()).toBe(true);
    await page.getByLabel("Message").fill("Please fail once");
    await page.keyboard.press("Enter");
    const outcome = lastReply().getByTestId("reply-outcome");
    await expect.poll(() => outcome.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await outcome.getAttribute("role")).toBe("alert");
    expect(await outcome.textContent()).toMatch(/The reply failed \(reference err_[0-9a-f]{12}\)/);
    // The provider's own words (a key, in this simulation) never reach the page.
    expect(await page.content()).not.toContain("sk-builtin");

    await page.reload();
    const afterReload = lastReply().getByTestId("reply-outcome");
    await expect.poll(() => afterReload.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await afterReload.textContent()).toMatch(/The reply failed \(reference err_/);

    await afterReload.getByRole("button", { name: "Retry", exact: true }).click();
    await expect
      .poll(() => lastReply().textContent(), { timeout: 30_000 })
      .toContain("This is the second try");
    expect(await page.getByTestId("reply-outcome").count()).toBe(0);
    expect(await messages().count()).toBe(2);
  });
});
