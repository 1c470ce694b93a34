// The production build on one port: the web app loads and reaches the API through typed hooks.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchBrowser();
  context = await browser.newContext();
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, context.pages());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("serves the web app and shows the server's health through the typed tRPC hook", async () => {
  const page = await context.newPage();
  await page.goto(server.url);
  await expect
    .poll(() => page.getByTestId("health").textContent())
    .toMatch(/Server ok, schema version \d+/);
});
