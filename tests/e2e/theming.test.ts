// Theme and language from the ticket, in a real Chromium against the production build: a
// backend mints a ticket with `ui` (accent, radius, density, dark scheme, German) and a
// `return_url`; the vanity page speaks German, is dark whatever the device prefers, paints its
// buttons in the accent (adjusted to stay readable) and leads back to the app. A ticket without
// `ui` gets English and the device's light scheme.
import { createApiKey, openDatabase } from "@agent-access/db";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let apiKey: string;
const pages: Page[] = [];

beforeAll(async () => {
  server = await startServerProcess();
  const db = openDatabase(server.databasePath);
  apiKey = createApiKey(db, "e2e").key;
  db.close();
  browser = await launchBrowser();
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, pages);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function ticketUrl(extra: Record<string, unknown>): Promise<string> {
  return (await mintStaticTicket(server, apiKey, "team:acme:user:ada", extra)).url;
}

async function newPage(colorScheme: "light" | "dark"): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 }, colorScheme });
  const page = await context.newPage();
  pages.push(page);
  return page;
}

const css = (page: Page, selector: string, property: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((element, name) => getComputedStyle(element).getPropertyValue(name), property);

it("speaks the ticket's language and wears its theme, whatever the device prefers", async () => {
  const page = await newPage("light");
  await page.goto(
    await ticketUrl({
      ui: {
        accent_color: "#ffeb3b",
        radius: 0,
        density: "compact",
        color_scheme: "dark",
        locale: "de-CH",
      },
      return_url: `${server.url}/app`,
    }),
  );
  const composer = page.getByLabel("Nachricht");
  await expect.poll(() => composer.isVisible()).toBe(true);
  expect(await page.locator("html").getAttribute("lang")).toBe("de");
  expect(await page.getByRole("button", { name: "Neuer Chat" }).first().isVisible()).toBe(true);
  expect(await composer.getAttribute("placeholder")).toBe("Frag den Agenten…");

  // Dark although the device asks for light.
  expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(true);
  expect(await css(page, "main", "color-scheme")).toBe("dark");
  // The accent, brightened or darkened to stay readable: yellow stays yellow for dark text.
  const newChat = page.getByRole("button", { name: "Neuer Chat" }).first();
  expect(await newChat.evaluate((element) => getComputedStyle(element).backgroundColor)).toBe(
    "rgb(255, 235, 59)",
  );
  // Square corners and the tighter spacing.
  expect(await composer.evaluate((element) => getComputedStyle(element).borderRadius)).toBe("0px");
  // The send button's px-4 is 4 spacing steps: 12px instead of 16px.
  const send = page.getByRole("button", { name: "Senden" });
  expect(await send.evaluate((element) => getComputedStyle(element).paddingLeft)).toBe("12px");

  const back = page.getByRole("link", { name: "Zurück zur App" });
  expect(await back.getAttribute("href")).toBe(`${server.url}/app`);
  await back.click();
  await page.waitForURL(`${server.url}/app`);
});

it("keeps English and the device's scheme for a ticket without ui", async () => {
  const page = await newPage("light");
  await page.goto(await ticketUrl({}));
  await expect.poll(() => page.getByLabel("Message").isVisible()).toBe(true);
  expect(await page.locator("html").getAttribute("lang")).toBe("en");
  expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(
    false,
  );
  const newChat = page.getByRole("button", { name: "New chat" }).first();
  // Tailwind's blue-700, the UI's own accent.
  expect(await newChat.evaluate((element) => getComputedStyle(element).backgroundColor)).toMatch(
    /^(rgb\(29, 78, 216\)|oklch\(0\.488 0\.243 264\.376\))$/,
  );
  // No return_url: no link in the header.
  expect(await page.getByTestId("return-to-app").count()).toBe(0);
});
