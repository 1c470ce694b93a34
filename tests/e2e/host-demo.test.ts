// The host demo as its users meet it, in Chromium against the production build: at phone width
// (375 px) the workspace page fits without sideways scrolling (the endpoints as cards, the header
// on one line, no debug footer), and the embedded chat keeps working, draft included, when the
// user also opens the full agent page from it or from "Open agent".
import { openDatabase } from "@agent-access/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let desktop: BrowserContext;
let workspaceUrl = "";

const USER = { email: "grace@example.com", password: "correct horse battery staple" };

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchBrowser();
  desktop = await browser.newContext({ viewport: { width: 1200, height: 900 } });
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, desktop.pages());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function sessionsMade(): number {
  const db = openDatabase(server.databasePath);
  const count = db.prepare("SELECT count(*) FROM agent_session").pluck().get() as number;
  db.close();
  return count;
}

/** Two endpoints with deliveries, long URLs included, as the host app's own data. */
function addWebhookTraffic(workspaceId: string): void {
  const db = openDatabase(server.databasePath);
  const now = Date.now();
  for (const url of [
    "https://shop.example/hooks",
    "https://billing.example.com/very/long/path/to/the/webhook/receiver",
  ]) {
    const endpointId = `we_${Math.random().toString(36).slice(2)}`;
    db.prepare(
      "INSERT INTO webhook_endpoint (id, workspace_id, url, description, created_at) VALUES (?, ?, ?, '', ?)",
    ).run(endpointId, workspaceId, url, now);
    for (let i = 0; i < 4; i++) {
      db.prepare(
        `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, response_status, duration_ms, created_at)
         VALUES (?, ?, 'order.created', ?, ?, ?, ?)`,
      ).run(
        `whd_${endpointId}_${i}`,
        endpointId,
        i % 2 ? "failed" : "succeeded",
        i % 2 ? 500 : 200,
        120,
        now - i,
      );
    }
  }
  db.close();
}

const embeddedComposer = (page: Page) => page.getByLabel("Message");
const replies = (page: Page) => page.locator('[data-testid="message"][data-role="assistant"]');

describe("the host demo", () => {
  it("signs up and shows a workspace with webhook traffic", async () => {
    const page = await desktop.newPage();
    await page.goto(server.url);
    await page.getByRole("button", { name: "Create account" }).first().click();
    await page.getByLabel("Name").fill("Grace Hopper");
    await page.getByLabel("Email").fill(USER.email);
    await page.getByLabel("Password").fill(USER.password);
    await page.locator("form").getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/app$/);
    await page.getByLabel("Workspace name").fill("Compilers");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(/\/app\/w\//);
    workspaceUrl = page.url();
    addWebhookTraffic(workspaceUrl.split("/app/w/")[1]!);
    await page.reload();
    await expect
      .poll(() => page.getByText("https://shop.example/hooks").count())
      .toBeGreaterThan(0);
    // No debug line for end users.
    expect(await page.getByText(/schema version/).count()).toBe(0);
  });

  it("fits a 375 px phone: cards instead of the table, a one-line header", async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 } });
    try {
      const page = await phone.newPage();
      const signIn = await page.request.post(`${server.url}/trpc/auth.signIn`, {
        data: USER,
        headers: { origin: server.url },
      });
      expect(signIn.status()).toBe(200);
      await page.goto(workspaceUrl);
      await expect.poll(() => page.getByTestId("endpoint-card").count()).toBe(2);
      expect(await page.locator("table").isVisible()).toBe(false);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        375,
      );
      // The header is one row: its buttons all sit on the brand's line.
      const header = await page.locator("header").boundingBox();
      expect(header!.height).toBeLessThan(80);
      // "Sign out everywhere" waits in a menu, reachable from the keyboard.
      const more = page.getByLabel("More account actions");
      await more.focus();
      await page.keyboard.press("Enter");
      expect(await page.getByRole("button", { name: "Sign out everywhere" }).isVisible()).toBe(
        true,
      );

      // The embedded chat fits too.
      await page.getByRole("button", { name: "Chat here" }).click();
      await expect.poll(() => embeddedComposer(page).isVisible()).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        375,
      );
      expect(await page.getByText(/schema version/).count()).toBe(0);
    } finally {
      await phone.close();
    }
  });

  it("keeps the embedded chat and its draft when the full page is opened", async () => {
    const page = await desktop.newPage();
    await page.goto(workspaceUrl);
    await page.getByRole("button", { name: "Chat here" }).click();
    await expect.poll(() => embeddedComposer(page).isVisible()).toBe(true);
    await embeddedComposer(page).fill("Hello from the workspace page");
    await page.keyboard.press("Enter");
    await expect.poll(() => replies(page).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByRole("button", { name: "Stop" }).count(), { timeout: 20_000 })
      .toBe(0);
    const sessions = sessionsMade();

    // A draft under way, then the full page from the chat's own link.
    await embeddedComposer(page).fill("A thought I am still writing");
    const opened = desktop.waitForEvent("page");
    await page.getByRole("link", { name: "Open full page" }).click();
    const full = await opened;
    await expect.poll(() => full.getByLabel("Message").isVisible()).toBe(true);
    // The same conversation, on the same session.
    await expect
      .poll(() => full.locator('[data-testid="message"][data-role="user"]').first().textContent())
      .toBe("Hello from the workspace page");
    full.close();

    // ...and "Open agent" too, while the chat here is live.
    const openedAgain = desktop.waitForEvent("page");
    await page.getByRole("button", { name: "Open agent" }).click();
    const agentTab = await openedAgain;
    await expect.poll(() => agentTab.getByLabel("Message").isVisible()).toBe(true);
    expect(sessionsMade()).toBe(sessions);

    // The embedded chat still has its draft and still answers.
    await page.bringToFront();
    expect(await embeddedComposer(page).inputValue()).toBe("A thought I am still writing");
    const before = await replies(page).count();
    await embeddedComposer(page).press("Enter");
    await expect.poll(() => replies(page).count(), { timeout: 20_000 }).toBeGreaterThan(before);
    expect(await page.getByText(/This chat ended/).count()).toBe(0);
  });
});
