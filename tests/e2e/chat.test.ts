// The chat of the vanity page as a user meets it, in a real Chromium against the production
// build: the composer (grows, Shift+Enter, a draft kept over a reload, why Send does nothing),
// tool calls (the app's webhook health table, approval and question cards beside their call, an
// answered question), code blocks (highlighted, Copy), the sidebar (days, the actions menu from
// the keyboard, each conversation's agent), a phone's width, and axe-core's check of each state.
// It talks to the framework's test agent, so it holds without the workspace demo.
import { seedFixture, TEST_AGENT } from "@agent-access/agents/testing";
import { closeDatabase, insertTicket, newSecret, openDatabase, run, value } from "@agent-access/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { seriousViolations } from "./support/axe.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** A vanity page URL with a fresh ticket for the test agent, in a tenant of `user`'s own. */
async function vanityUrl(user: string): Promise<string> {
  const db = openDatabase(server.databasePath);
  const group = `tenant:chat:user:${user}`;
  await seedFixture(db, group);
  const token = newSecret("aat_");
  await insertTicket(
    db,
    {
      token,
      agentIds: [TEST_AGENT],
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

/** Expects no serious or critical accessibility violation on the page as it is now. */
async function expectAccessible(on: Page = page): Promise<void> {
  expect(await seriousViolations(on)).toEqual([]);
}

const composer = () => page.getByLabel("Message");
const lastReply = () => page.locator('[data-testid="message"][data-role="assistant"]').last();
const userMessages = () => page.locator('[data-testid="message"][data-role="user"]');

/** Waits until no reply is under way, then sends `text` with Enter. */
async function ask(text: string): Promise<void> {
  await expect
    .poll(() => page.getByRole("button", { name: "Stop" }).count(), { timeout: 30_000 })
    .toBe(0);
  await composer().fill(text);
  await composer().press("Enter");
}

/** Waits for the reply to the last message to be written whole. */
async function idle(on: Page = page): Promise<void> {
  const last = on.locator('[data-testid="message"]').last();
  await expect.poll(() => last.getAttribute("data-role"), { timeout: 30_000 }).toBe("assistant");
  await expect
    .poll(() => on.getByRole("button", { name: "Stop" }).count(), { timeout: 30_000 })
    .toBe(0);
}

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 850 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  page = await context.newPage();
  await page.goto(await vanityUrl("1"));
  await page.waitForURL(/\/vanity\/agents$/);
  await composer().waitFor();
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, context.pages());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("the composer", () => {
  it("has nothing to send while empty, and passes the accessibility check", async () => {
    const send = page.getByRole("button", { name: "Send" });
    expect(await send.getAttribute("aria-disabled")).toBe("true");
    // Still reachable from the keyboard, so that its reason can be read.
    await send.focus();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Send");
    await expectAccessible();
  });

  it("grows with its text up to a limit, and Shift+Enter starts a new line", async () => {
    const box = composer();
    const height = async () => (await box.boundingBox())!.height;
    const oneLine = await height();
    await box.focus();
    await page.keyboard.type("first line");
    for (const line of ["second", "third", "fourth"]) {
      await page.keyboard.press("Shift+Enter");
      await page.keyboard.type(line);
    }
    expect(await box.inputValue()).toBe("first line\nsecond\nthird\nfourth");
    expect(await userMessages().count()).toBe(0);
    const fourLines = await height();
    expect(fourLines).toBeGreaterThan(oneLine * 2);

    for (let i = 0; i < 30; i++) await page.keyboard.press("Shift+Enter");
    const capped = await height();
    expect(capped).toBeLessThanOrEqual(242);
    expect(capped).toBeGreaterThan(fourLines);
    // Past the limit it scrolls instead.
    expect(await box.evaluate((element) => element.scrollHeight > element.clientHeight)).toBe(true);
  });

  it("keeps the draft over a reload, and sends it with Enter", async () => {
    await composer().fill("Draft that survives a reload");
    await page.reload();
    await expect.poll(() => composer().inputValue()).toBe("Draft that survives a reload");
    await composer().press("Enter");
    await expect
      .poll(() => userMessages().last().textContent())
      .toBe("Draft that survives a reload");
    expect(await composer().inputValue()).toBe("");
    await idle();
    // Sent, the draft is gone: a reload brings back an empty composer.
    await page.reload();
    await expect.poll(() => userMessages().count()).toBe(1);
    expect(await composer().inputValue()).toBe("");
  });

  it("says why Send does nothing: too long, or a reply under way", async () => {
    const reason = page.getByTestId("send-blocked");
    await composer().fill("x".repeat(32_001));
    await expect.poll(() => reason.getAttribute("data-reason")).toBe("too_long");
    expect(await reason.textContent()).toContain("32,001 of at most 32,000 characters");
    await composer().press("Enter");
    expect(await userMessages().count()).toBe(1);
    await expectAccessible();

    await composer().fill("stream 400 words");
    await composer().press("Enter");
    await composer().fill("And then?");
    await expect.poll(() => reason.getAttribute("data-reason")).toBe("running");
    expect(await reason.textContent()).toBe("The agent is replying: wait, or stop it to send.");
    await composer().press("Enter");
    await idle();
    expect(await userMessages().last().textContent()).toBe("stream 400 words");
    // The text written meanwhile waits in the composer.
    expect(await composer().inputValue()).toBe("And then?");
    await composer().fill("");
  });
});

describe("tool calls", () => {
  it("shows a tool call in words, with a one-line summary and its JSON on request", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await ask("How healthy are my webhooks?");
    const tool = page.locator('[data-testid="tool-call"][data-tool="getWebhookHealth"]');
    await expect.poll(() => tool.getAttribute("data-state")).toBe("completed");
    expect(await tool.textContent()).toContain("Get webhook health");
    expect(await tool.getByTestId("tool-summary").textContent()).toMatch(/^Across \d+ deliveries/);
    const details = tool.locator("details");
    expect(await details.getAttribute("open")).toBeNull();
    await details.locator("summary").click();
    expect(await details.getByText("Result").isVisible()).toBe(true);
    await idle();
    await expectAccessible();
  });

  it("asks for approval beside the tool call, in the transcript", async () => {
    await ask("Please retry the failed deliveries");
    const tool = page.locator('[data-testid="tool-call"][data-tool="retryFailedDeliveries"]');
    const card = tool.getByTestId("approval-card");
    await expect.poll(() => card.isVisible(), { timeout: 30_000 }).toBe(true);
    // The card is part of the reply that made the call.
    expect(await lastReply().getByTestId("approval-card").count()).toBe(1);
    await expect
      .poll(() => page.getByTestId("send-blocked").getAttribute("data-reason"))
      .toBe("waiting_for_approval");
    await expectAccessible();
    await card.getByRole("button", { name: "Allow once" }).click();
    await expect.poll(() => tool.getAttribute("data-state")).toBe("completed");
    expect(await card.count()).toBe(0);
    await idle();
  });

  it("asks a question beside its call, and keeps it readable as question and answer", async () => {
    await ask("Ask me a question");
    const card = lastReply().getByTestId("question-card");
    await expect.poll(() => card.isVisible(), { timeout: 30_000 }).toBe(true);
    const question = (await card.locator("label").textContent())!;
    expect(question.length).toBeGreaterThan(0);
    await expectAccessible();
    await card.getByLabel(question).fill("Next Tuesday");
    await card.getByRole("button", { name: "Answer" }).click();
    const answered = lastReply().locator('[data-testid="tool-call"][data-state="completed"]');
    await expect.poll(() => answered.getByTestId("answer").textContent()).toBe("Next Tuesday");
    expect(await answered.getByTestId("question").textContent()).toBe(question);
    await idle();
    await page.reload();
    await expect.poll(() => answered.getByTestId("answer").textContent()).toBe("Next Tuesday");
  });
});

describe("code blocks", () => {
  const code = 'const answer: number = 42;\nconsole.log("answer", answer);';

  it("highlights a code block and copies its code", async () => {
    await page.getByRole("button", { name: "New chat" }).click();
    await ask(`Why is this slow?\n\n\`\`\`ts\n${code}\n\`\`\``);
    // The whole reply first: a code block is highlighted as it streams in, too.
    await idle();
    const block = lastReply().getByTestId("code-block");
    await expect.poll(() => block.locator("code").textContent()).toBe(code);
    await expect.poll(() => block.getAttribute("data-highlighted")).toBe("true");
    expect(await block.locator(".hljs-keyword").first().textContent()).toBe("const");
    await block.getByRole("button", { name: "Copy code" }).click();
    await expect.poll(() => block.getByRole("button").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await idle();
    await expectAccessible();
  });

  it("loads the highlighter only once a code block appears", async () => {
    // A browser of its own: its ticket must not replace the session of the page above.
    const other = await browser.newContext({ viewport: { width: 1200, height: 850 } });
    try {
      const fresh = await other.newPage();
      const highlighters: string[] = [];
      fresh.on("request", (request) => {
        if (/\/assets\/highlight-/.test(request.url())) highlighters.push(request.url());
      });
      await fresh.goto(await vanityUrl("2"));
      const message = fresh.getByLabel("Message");
      await expect.poll(() => message.isVisible()).toBe(true);
      await message.fill("How healthy are my webhooks?");
      await message.press("Enter");
      const replies = fresh.locator('[data-testid="message"][data-role="assistant"]');
      await expect
        .poll(() => replies.first().textContent(), { timeout: 20_000 })
        .toContain("succeeded");
      expect(highlighters).toEqual([]);

      await expect.poll(() => fresh.getByRole("button", { name: "Stop" }).count()).toBe(0);
      await message.fill(`\`\`\`js\n${code}\n\`\`\``);
      await message.press("Enter");
      const block = replies.nth(1).getByTestId("code-block");
      await expect
        .poll(() => block.getAttribute("data-highlighted"), { timeout: 20_000 })
        .toBe("true");
      expect(highlighters.length).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });
});

describe("the sidebar", () => {
  /** The title of the conversation whose first message was `first` (the model names it). */
  async function titleOf(first: string): Promise<string> {
    const db = openDatabase(server.databasePath);
    const title = await value<string>(
      db,
      `SELECT c.title FROM context c JOIN message m ON m.context_id = c.id
        WHERE m.role = 'user' AND m.parts = ? ORDER BY m.seq LIMIT 1`,
      [JSON.stringify([{ type: "text", text: first }])],
    );
    await closeDatabase(db);
    return title!;
  }

  /** Moves a conversation's last activity `days` back, as if it had been used then. */
  async function age(title: string, days: number): Promise<void> {
    const db = openDatabase(server.databasePath);
    const at = Date.now() - days * 24 * 3_600_000;
    await run(db, "UPDATE context SET last_activity_at = ?, updated_at = ? WHERE title = ?", [
      at,
      at,
      title,
    ]);
    await closeDatabase(db);
  }

  const list = () => page.getByTestId("context-list");
  const headings = () => list().getByRole("heading").allTextContents();

  it("groups conversations by day, each with its agent", async () => {
    await expect.poll(() => list().getByTestId("context-item").count()).toBe(3);
    expect(await headings()).toEqual(["Today"]);
    await age(await titleOf("How healthy are my webhooks?"), 3);
    await age(await titleOf("Draft that survives a reload"), 40);
    await page.reload();
    await expect.poll(() => headings()).toEqual(["Today", "Previous 7 days", "Older"]);
    const groups = list().getByTestId("context-group");
    expect(await groups.nth(2).textContent()).toContain(
      await titleOf("Draft that survives a reload"),
    );
    expect(await list().getByTestId("context-agent").allTextContents()).toEqual([
      "Test assistant",
      "Test assistant",
      "Test assistant",
    ]);
    // The header names the agent of the conversation on screen; the picker is for new chats.
    expect(await page.getByTestId("conversation-agent").textContent()).toBe("Test assistant");
    await expectAccessible();
  });

  it("opens a conversation's actions from the keyboard, and renames it", async () => {
    const title = await titleOf("Draft that survives a reload");
    const trigger = page.getByRole("button", { name: `Actions for ${title}` });
    await trigger.focus();
    await page.keyboard.press("Enter");
    const menu = page.getByRole("menu");
    await expect.poll(() => menu.isVisible()).toBe(true);
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    expect(await focused()).toBe("Rename");
    await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe("Delete");
    await page.keyboard.press("ArrowDown");
    expect(await focused()).toBe("Rename");
    await expectAccessible();
    await page.keyboard.press("Escape");
    expect(await menu.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(
      `Actions for ${title}`,
    );

    await page.keyboard.press("ArrowDown");
    await expect.poll(() => focused()).toBe("Rename");
    await page.keyboard.press("Enter");
    const renamed = "A conversation title long enough to need two lines in the sidebar";
    const input = page.getByLabel("New title");
    await input.fill(renamed);
    await input.press("Enter");
    const item = list().getByTestId("context-item").filter({ hasText: renamed });
    await expect.poll(() => item.count()).toBe(1);
    // Focus is back on the conversation renamed.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain(renamed);
    // The whole title shows: no icons beside it take its room.
    const titleBox = item.getByTestId("context-title");
    expect(
      await titleBox.evaluate((element) => element.scrollHeight <= element.clientHeight + 1),
    ).toBe(true);
  });

  it("deletes a conversation through its menu after a confirmation", async () => {
    const title = await titleOf("How healthy are my webhooks?");
    await page.getByRole("button", { name: `Actions for ${title}` }).click();
    await page.getByRole("menuitem", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await expectAccessible();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => list().getByTestId("context-item").count()).toBe(2);
    expect(await list().textContent()).not.toContain(title);
  });
});

describe("at a phone's width", () => {
  it("fits 375 px with a long question, its JSON and code, and passes the accessibility check", async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 } });
    try {
      const small = await phone.newPage();
      await small.goto(await vanityUrl("3"));
      const message = small.getByLabel("Message");
      await expect.poll(() => message.isVisible()).toBe(true);
      const widths = () =>
        small.evaluate(() => ({
          page: document.documentElement.scrollWidth,
          messages: document.querySelector('[data-testid="messages"]')!.scrollWidth,
        }));

      // A question with a long unbroken word: the card, the summary and the JSON must wrap.
      const long = `https://billing.example/${"x".repeat(150)}`;
      await message.fill(`Ask me "${long}"`);
      await message.press("Enter");
      const card = small.getByTestId("question-card");
      await expect.poll(() => card.isVisible(), { timeout: 30_000 }).toBe(true);
      await small.locator('[data-testid="tool-call"] details summary').click();
      expect(await widths()).toEqual({ page: 375, messages: 375 });
      await expectAccessible(small);

      await card.getByRole("textbox").fill(long);
      await card.getByRole("button", { name: "Answer" }).click();
      await expect.poll(() => small.getByTestId("answer").textContent()).toBe(long);
      await idle(small);
      await message.fill(`\`\`\`json\n{"url": "${long}"}\n\`\`\``);
      await message.press("Enter");
      await expect
        .poll(() => small.getByTestId("code-block").getAttribute("data-highlighted"), {
          timeout: 20_000,
        })
        .toBe("true");
      expect(await widths()).toEqual({ page: 375, messages: 375 });
      await expectAccessible(small);

      await small.getByRole("button", { name: "Show conversations" }).click();
      expect(await small.getByTestId("context-list").isVisible()).toBe(true);
      await expectAccessible(small);
    } finally {
      await phone.close();
    }
  });
});
