// A planted link (issue #12 item 2) in a real Chromium: a browser holding its user's agent
// session follows a link to another context group's ticket. The vanity page shows what the
// browser holds and what the link offers, keeps the old session live until the user chooses,
// and switches only when they do.
import { createApiKey, openDatabase } from "@agent-access/db";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let apiKey: string;

beforeAll(async () => {
  server = await startServerProcess();
  const db = openDatabase(server.databasePath);
  apiKey = createApiKey(db, "e2e").key;
  db.close();
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

async function ticketUrl(contextGroup: string, displayName: string): Promise<string> {
  return (await mintStaticTicket(server, apiKey, contextGroup, { display_name: displayName })).url;
}

function consumedTickets(): number {
  const db = openDatabase(server.databasePath);
  const count = db
    .prepare("SELECT count(*) FROM agent_ticket WHERE consumed_at IS NOT NULL")
    .pluck()
    .get() as number;
  db.close();
  return count;
}

it("asks before a link replaces the session, keeps it on 'Keep', switches on 'Switch'", async () => {
  const page = await context.newPage();
  await page.goto(await ticketUrl("team:acme:user:victoria", "Acme · Victoria"));
  await expect.poll(() => page.getByLabel("Message").isVisible()).toBe(true);
  expect(await page.getByTestId("session-label").textContent()).toBe("Acme · Victoria");
  expect(consumedTickets()).toBe(1);

  // The planted link: the page asks, shows both, and uses nothing yet.
  await page.goto(await ticketUrl("team:evil:user:mallory", "Mallory's trap"));
  const ask = page.getByTestId("confirm-switch");
  await expect.poll(() => ask.isVisible()).toBe(true);
  expect(await page.getByTestId("current-session").textContent()).toContain("Acme · Victoria");
  expect(await page.getByTestId("offered-session").textContent()).toContain("Mallory's trap");
  expect(consumedTickets()).toBe(1);

  await page.getByRole("button", { name: "Keep my session" }).click();
  await expect.poll(() => page.getByLabel("Message").isVisible()).toBe(true);
  expect(await page.getByTestId("session-label").textContent()).toBe("Acme · Victoria");
  expect(page.url()).not.toContain("ticket=");
  expect(consumedTickets()).toBe(1);

  // Another link, and this time the user chooses to switch.
  await page.goto(await ticketUrl("team:beta:user:victoria", "Beta · Victoria"));
  await expect.poll(() => ask.isVisible()).toBe(true);
  await page.getByRole("button", { name: "Switch to the link's session" }).click();
  await expect.poll(() => page.getByTestId("session-label").textContent()).toBe("Beta · Victoria");
  expect(consumedTickets()).toBe(2);
});
