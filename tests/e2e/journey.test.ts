// The product as a user meets it, in a real Chromium against the production build: sign up,
// create a workspace, open the agent, ask (the demo's webhook health table), approve, reload
// mid-reply, lose the tab to a second ticket, and meet the screen for an expired ticket.
import { TEST_AGENT } from "@agent-access/agents/testing";
import {
  closeDatabase,
  consumeTicket,
  insertTicket,
  newId,
  newSecret,
  openDatabase,
  run,
  value,
} from "@agent-access/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { seriousViolations } from "./support/axe.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let app: Page;
let agentTab: Page;
let workspaceId = "";

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1200, height: 850 } });
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, context.pages());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Webhook traffic for the new workspace, as the host app's own data would have it. */
async function addWebhookTraffic(id: string): Promise<void> {
  const db = openDatabase(server.databasePath);
  const now = Date.now();
  const endpoints = [
    { url: "https://shop.example/hooks", failEvery: 0 },
    { url: "https://billing.example/hooks", failEvery: 2 },
  ];
  for (const endpoint of endpoints) {
    const endpointId = newId("we");
    await run(
      db,
      "INSERT INTO webhook_endpoint (id, workspace_id, url, description, created_at) VALUES (?, ?, ?, '', ?)",
      [endpointId, id, endpoint.url, now],
    );
    for (let i = 0; i < 20; i++) {
      const failed = endpoint.failEvery > 0 && i % endpoint.failEvery === 0;
      await run(
        db,
        `INSERT INTO webhook_delivery (id, endpoint_id, event_type, status, response_status, duration_ms, created_at)
         VALUES (?, ?, 'order.created', ?, ?, ?, ?)`,
        [
          newId("whd"),
          endpointId,
          failed ? "failed" : "succeeded",
          failed ? 500 : 200,
          100 + i * 10,
          now - i * 1000,
        ],
      );
    }
  }
  await closeDatabase(db);
}

/** Types a message and sends it with Enter, once the agent is done with the previous one. */
async function ask(page: Page, text: string): Promise<void> {
  await expect
    .poll(() => page.getByRole("button", { name: "Stop" }).count(), { timeout: 30_000 })
    .toBe(0);
  await page.getByLabel("Message").fill(text);
  await page.keyboard.press("Enter");
}

const lastReply = (page: Page) =>
  page.locator('[data-testid="message"][data-role="assistant"]').last();
/** Words of text (not tool cards) in the last reply. */
const wordsIn = async (page: Page) =>
  ((await lastReply(page).getByTestId("text").allTextContents()).join(" ").match(/\S+/g) ?? [])
    .length;

describe("the agent journey", () => {
  it("signs up and creates a workspace", async () => {
    app = await context.newPage();
    await app.goto(server.url);
    await app.getByRole("button", { name: "Create account" }).first().click();
    await app.getByLabel("Name").fill("Ada Lovelace");
    await app.getByLabel("Email").fill("ada@example.com");
    await app.getByLabel("Password").fill("correct horse battery staple");
    await app.locator("form").getByRole("button", { name: "Create account" }).click();
    await app.waitForURL(/\/app$/);
    await app.getByLabel("Workspace name").fill("Analytical Engines");
    await app.getByRole("button", { name: "Create workspace" }).click();
    await app.waitForURL(/\/app\/w\//);
    workspaceId = app.url().split("/app/w/")[1]!;
    await addWebhookTraffic(workspaceId);
    await app.reload();
    await expect
      .poll(() => app.getByText("https://billing.example/hooks").count())
      .toBeGreaterThan(0);
  });

  it("opens the agent in a new tab, which drops the ticket from the address bar", async () => {
    const opened = context.waitForEvent("page");
    await app.getByRole("button", { name: "Open agent" }).click();
    agentTab = await opened;
    await agentTab.waitForURL(/\/vanity\/agents$/);
    await expect.poll(() => agentTab.getByLabel("Message").isVisible()).toBe(true);
  });

  it("asks about webhook health and sees the tool card and the streamed answer", async () => {
    await ask(agentTab, "How healthy are my webhooks?");
    const tool = agentTab.locator('[data-testid="tool-call"][data-tool="getWebhookHealth"]');
    await expect.poll(() => tool.getAttribute("data-state")).toBe("completed");
    await expect
      .poll(() => lastReply(agentTab).textContent(), { timeout: 20_000 })
      .toMatch(/Across 40 deliveries to 2 endpoints, 75\.0% succeeded/);
    // The demo's renderer (apps/web/src/demo) shows the result as a table, not as JSON.
    const table = tool.getByTestId("webhook-health").getByRole("table");
    expect(await table.locator("caption").textContent()).toBe("Failing endpoints");
    expect(await table.getByRole("row").count()).toBe(2);
    expect(await table.getByRole("row").nth(1).textContent()).toMatch(
      /^https:\/\/billing\.example\/hooks1020$/,
    );
    expect(await tool.locator("details").getAttribute("open")).toBeNull();
    expect(await seriousViolations(agentTab)).toEqual([]);
    // After the first reply the conversation gets the model's title (the builtin model's is
    // made of the message's first meaningful words).
    await expect
      .poll(() => agentTab.getByTestId("context-list").textContent())
      .toContain("Healthy webhooks");
  });

  it("asks before retrying failed deliveries, and retries once approved", async () => {
    await ask(agentTab, "Please retry the failed deliveries");
    const card = agentTab.getByTestId("approval-card");
    await expect.poll(() => card.isVisible()).toBe(true);
    await card.getByRole("button", { name: "Allow once" }).click();
    const tool = agentTab.locator('[data-testid="tool-call"][data-tool="retryFailedDeliveries"]');
    await expect.poll(() => tool.getAttribute("data-state")).toBe("completed");
    await expect.poll(() => card.count()).toBe(0);
    const db = openDatabase(server.databasePath);
    const marked = await value(
      db,
      `SELECT count(*) FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id
          WHERE e.workspace_id = ? AND d.retry_requested_at IS NOT NULL`,
      [workspaceId],
    );
    await closeDatabase(db);
    expect(marked).toBe(10);
  });

  it("shows a reply that was under way after a reload, and it goes on", async () => {
    await ask(agentTab, "stream 300 words");
    // The reply to this message is under way (the reply before it has fewer than 20 words).
    const lastQuestion = agentTab.locator('[data-testid="message"][data-role="user"]').last();
    await expect.poll(() => lastQuestion.textContent()).toBe("stream 300 words");
    await expect.poll(() => wordsIn(agentTab)).toBeGreaterThan(20);
    await agentTab.reload();
    await expect.poll(() => lastQuestion.textContent()).toBe("stream 300 words");
    await expect.poll(() => wordsIn(agentTab)).toBeGreaterThan(20);
    const afterReload = await wordsIn(agentTab);
    expect(afterReload).toBeLessThan(300);
    await expect.poll(() => wordsIn(agentTab), { timeout: 30_000 }).toBeGreaterThanOrEqual(300);
    await expect.poll(() => agentTab.getByTestId("streaming").count()).toBe(0);
  });

  it("loses access in the first tab when a second ticket is exchanged", async () => {
    const opened = context.waitForEvent("page");
    await app.getByRole("button", { name: "Open agent" }).click();
    const second = await opened;
    await expect.poll(() => second.getByLabel("Message").isVisible()).toBe(true);

    await ask(agentTab, "Are you still there?");
    const problem = agentTab.getByTestId("session-problem");
    await expect.poll(() => problem.getAttribute("data-kind")).toBe("ended");
    expect(await problem.getByRole("link", { name: "Return to the app" }).isVisible()).toBe(true);
    // The second tab holds the session and sees the same conversations.
    expect(await second.getByTestId("context-list").textContent()).toContain("Healthy webhooks");
  });

  it("explains an expired ticket and a used one", async () => {
    const db = openDatabase(server.databasePath);
    const ticket = async (expiresAt: number) => {
      const token = newSecret("aat_");
      await insertTicket(
        db,
        {
          token,
          agentIds: ["workspace-assistant"],
          sessionType: "static",
          contextGroup: "workspace:1:user:1",
          issuer: "test",
          expiresAt,
        },
        Date.now() - 60_000,
      );
      return token;
    };
    const expired = await ticket(Date.now() - 1000);
    const used = await ticket(Date.now() + 60_000);
    await consumeTicket(db, used, Date.now());
    await closeDatabase(db);

    const page = await context.newPage();
    await page.goto(`${server.url}/vanity/agents?ticket=${expired}`);
    await expect
      .poll(() => page.getByTestId("session-problem").getAttribute("data-kind"))
      .toBe("expired");
    expect(await page.getByRole("heading").textContent()).toBe("This link has expired");

    await page.goto(`${server.url}/vanity/agents?ticket=${used}`);
    await expect
      .poll(() => page.getByTestId("session-problem").getAttribute("data-kind"))
      .toBe("used");
    await page.close();
  });

  it("works at phone width and from the keyboard", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await phone.newPage();
      const signIn = await page.request.post(`${server.url}/trpc/auth.signIn`, {
        data: { email: "ada@example.com", password: "correct horse battery staple" },
        headers: { origin: server.url },
      });
      expect(signIn.status()).toBe(200);
      const issued = await page.request.post(`${server.url}/trpc/workspace.issueAgentTicket`, {
        data: { workspaceId, sessionType: "signin" },
        headers: { origin: server.url },
      });
      const { vanityUrl } = ((await issued.json()) as { result: { data: { vanityUrl: string } } })
        .result.data;
      await page.goto(vanityUrl);
      await expect.poll(() => page.getByLabel("Message").isVisible()).toBe(true);
      // The sidebar is a drawer at this width.
      expect(await page.getByTestId("context-list").isVisible()).toBe(false);
      await page.getByRole("button", { name: "Show conversations" }).click();
      expect(await page.getByTestId("context-list").isVisible()).toBe(true);
      await page.getByRole("button", { name: "Close conversations" }).click();
      // No horizontal scrolling.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );

      // Keyboard only: write, Tab to the Send button (its focus ring shows), Enter sends.
      await page.getByLabel("Message").focus();
      await page.keyboard.type("How healthy are my webhooks?");
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        return { text: element.textContent, outline: getComputedStyle(element).outlineStyle };
      });
      expect(focused).toEqual({ text: "Send", outline: "solid" });
      await page.keyboard.press("Enter");
      const tool = page.locator('[data-testid="tool-call"][data-tool="getWebhookHealth"]');
      await expect.poll(() => tool.getAttribute("data-state")).toBe("completed");
    } finally {
      await phone.close();
    }
  });

  it("chats inside the app's page too, with the same table and the conversation's agent", async () => {
    await app.bringToFront();
    await app.getByRole("button", { name: "Chat here" }).click();
    const message = app.getByLabel("Message");
    await expect.poll(() => message.isVisible()).toBe(true);
    await message.fill("How healthy are my webhooks?");
    await message.press("Enter");
    const tool = app.locator('[data-testid="tool-call"][data-tool="getWebhookHealth"]').last();
    await expect.poll(() => tool.getAttribute("data-state"), { timeout: 30_000 }).toBe("completed");
    expect(await tool.getByTestId("webhook-health").getByRole("table").count()).toBe(1);
    expect(await app.getByText("Workspace assistant", { exact: true }).count()).toBeGreaterThan(0);
  });

  it("picks the agent of a new chat only; a conversation keeps and names its own", async () => {
    const db = openDatabase(server.databasePath);
    const token = newSecret("aat_");
    await insertTicket(
      db,
      {
        token,
        agentIds: ["workspace-assistant", TEST_AGENT],
        sessionType: "static",
        contextGroup: `workspace:${workspaceId}:user:picker`,
        issuer: "test",
        expiresAt: Date.now() + 10 * 60_000,
      },
      Date.now(),
    );
    await closeDatabase(db);
    const own = await browser.newContext({ viewport: { width: 1200, height: 850 } });
    try {
      const page = await own.newPage();
      await page.goto(`${server.url}/vanity/agents?ticket=${token}`);
      const picker = page.getByLabel("Agent for the new chat");
      await expect.poll(() => picker.isVisible()).toBe(true);
      await picker.selectOption({ label: "Test assistant" });
      await page.getByLabel("Message").fill("How healthy are my webhooks?");
      await page.getByLabel("Message").press("Enter");
      // The new conversation is the test agent's: no picker any more, its agent in the header.
      await expect.poll(() => picker.count()).toBe(0);
      expect(await page.getByTestId("conversation-agent").textContent()).toBe("Test assistant");
      expect(await page.getByTestId("context-agent").allTextContents()).toEqual(["Test assistant"]);
      expect(await seriousViolations(page)).toEqual([]);

      // A new chat offers the picker again; choosing there leaves the conversation's agent be.
      await page.getByRole("button", { name: "New chat" }).click();
      await expect.poll(() => picker.isVisible()).toBe(true);
      await picker.selectOption({ label: "Workspace assistant" });
      expect(await page.getByTestId("conversation-agent").textContent()).toBe(
        "Workspace assistant",
      );
      await page.getByTestId("context-item").getByRole("button").first().click();
      await expect
        .poll(() => page.getByTestId("conversation-agent").textContent())
        .toBe("Test assistant");
    } finally {
      await own.close();
    }
  });

  it("chats in the workspace page's own panel, starting from a starter prompt", async () => {
    await app.goto(`${server.url}/app/w/${workspaceId}`);
    await app.getByRole("button", { name: "Chat here" }).click();
    // The panel opens the group's latest conversation; a new one starts empty.
    await app.getByRole("button", { name: "New chat" }).click();
    const empty = app.getByTestId("empty-state");
    await expect.poll(() => empty.isVisible(), { timeout: 20_000 }).toBe(true);
    await expect
      .poll(() => empty.getByRole("heading", { name: "Workspace assistant" }).isVisible())
      .toBe(true);
    await empty.getByRole("button", { name: "How healthy are my webhooks?" }).click();
    const tool = app.locator('[data-testid="tool-call"][data-tool="getWebhookHealth"]');
    await expect.poll(() => tool.getAttribute("data-state"), { timeout: 30_000 }).toBe("completed");
    const good = lastReply(app).getByRole("button", { name: "Good response" });
    await expect.poll(() => good.isVisible(), { timeout: 30_000 }).toBe(true);
    await good.click();
    await expect.poll(() => good.getAttribute("aria-pressed")).toBe("true");
    await app.getByRole("button", { name: "Skip" }).click();
    expect(await app.getByTestId("feedback-form").count()).toBe(0);
  });
});
