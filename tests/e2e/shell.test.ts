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

it("serves the web app, which reaches the server through the typed tRPC hook", async () => {
  const page = await context.newPage();
  const health = page.waitForResponse((response) => response.url().includes("/trpc/health"));
  await page.goto(server.url);
  // Batched with the other queries of the page: 200, or 207 when one of them is refused.
  expect(await (await health).text()).toContain('"status":"ok"');
  // The footer's debug line (status, schema version) is for development builds only.
  await expect.poll(() => page.getByRole("button", { name: "Sign in" }).count()).toBeGreaterThan(0);
  expect(await page.getByText(/schema version/).count()).toBe(0);
});
