// Attachments as a user meets them on the vanity page, in a real Chromium against the production
// build: a preview removed before sending goes nowhere; a text file and a PNG image go through
// the attach button, the builtin model lists both, and the image shows as a thumbnail; a
// dropped file and a pasted image go too, and a refused one stays to be removed.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { insertTicket, newSecret, openDatabase } from "@agent-access/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

// A 4x4 PNG: small, and real image bytes the server's sniffing recognises.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGO4oKAARwzEcQDFQxEBb5JfhQAAAABJRU5ErkJggg==",
  "base64",
);
const NOTES = Buffer.from("first line\nsecond line\nthird line\n");

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** A vanity page URL with a fresh ticket for the framework's test agent. */
function vanityUrl(): string {
  const db = openDatabase(server.databasePath);
  const token = newSecret("aat_");
  insertTicket(
    db,
    {
      token,
      agentIds: [TEST_AGENT],
      sessionType: "static",
      contextGroup: "tenant:files:user:1",
      issuer: "test",
      expiresAt: Date.now() + 10 * 60_000,
    },
    Date.now(),
  );
  db.close();
  return `${server.url}/vanity/agents?ticket=${token}`;
}

const previews = () => page.getByTestId("attachment-preview");
const userMessages = () => page.locator('[data-testid="message"][data-role="user"]');
const lastReply = () => page.locator('[data-testid="message"][data-role="assistant"]').last();

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchBrowser();
  // Phone width: the composer with its previews must fit.
  context = await browser.newContext({ viewport: { width: 375, height: 812 } });
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, context.pages());
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("attachments on the vanity page", () => {
  it("opens the vanity page from a ticket, with the attach button", async () => {
    page = await context.newPage();
    await page.goto(vanityUrl());
    await page.waitForURL(/\/vanity\/agents$/);
    await expect.poll(() => page.getByLabel("Message").isVisible()).toBe(true);
    expect(await page.getByLabel("Attach files").isEnabled()).toBe(true);
  });

  it("removes a preview before sending, so the file goes nowhere", async () => {
    await page
      .getByLabel("Attach files")
      .setInputFiles([
        { name: "draft.txt", mimeType: "text/plain", buffer: Buffer.from("not for the agent") },
      ]);
    await expect.poll(() => previews().count()).toBe(1);
    expect(await previews().first().textContent()).toContain("draft.txt");
    // Phone width: no horizontal scrolling with a preview in the composer.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      375,
    );

    // From the keyboard: the remove button is a real button with a name.
    await page.getByRole("button", { name: "Remove draft.txt" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => previews().count()).toBe(0);
    // Nothing attached and nothing written: there is nothing to send.
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    expect(await userMessages().count()).toBe(0);
  });

  it("attaches a text file and an image, and the builtin model lists both", async () => {
    await page.getByLabel("Attach files").setInputFiles([
      { name: "notes.txt", mimeType: "text/plain", buffer: NOTES },
      { name: "dot.png", mimeType: "image/png", buffer: PNG },
    ]);
    await expect.poll(() => previews().count()).toBe(2);
    // The image's preview is a thumbnail read from the file itself.
    await expect
      .poll(() =>
        previews()
          .nth(1)
          .locator("img")
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBeGreaterThan(0);

    await page.getByLabel("Message").fill("What did I attach?");
    await page.keyboard.press("Enter");

    // Sent: the composer is empty again and the message carries both files.
    await expect.poll(() => previews().count(), { timeout: 20_000 }).toBe(0);
    await expect
      .poll(() => lastReply().textContent(), { timeout: 30_000 })
      .toMatch(
        /You attached 2 files: notes\.txt \(text\/plain, 34 bytes\); dot\.png \(image\/png, 73 bytes\)/,
      );

    const sent = userMessages().last();
    expect(await sent.textContent()).toContain("What did I attach?");
    const chip = sent.getByTestId("attachment-chip");
    expect(await chip.textContent()).toContain("notes.txt");
    expect(await chip.textContent()).toContain("text/plain");
    expect(await chip.getByRole("link").getAttribute("href")).toMatch(/^\/attachments\//);

    // The image shows from the private download URL, loaded for real.
    const thumbnail = sent.getByTestId("attachment-thumbnail");
    expect(await thumbnail.getAttribute("alt")).toBe("dot.png");
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);

    // The text file's link downloads its very bytes.
    const download = await page.request.get(
      `${server.url}${await chip.getByRole("link").getAttribute("href")}`,
    );
    expect(download.status()).toBe(200);
    expect((await download.body()).toString()).toBe(NOTES.toString());
  });

  it("shows the files again after a reload, from history", async () => {
    await page.reload();
    const sent = userMessages().last();
    await expect.poll(() => sent.getByTestId("attachment-chip").count()).toBe(1);
    await expect
      .poll(() =>
        sent
          .getByTestId("attachment-thumbnail")
          .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
      )
      .toBeGreaterThan(0);
  });

  it("takes a dropped file and a pasted image, and keeps a refused one to remove", async () => {
    await page.evaluate(() => {
      const form = document.querySelector("#composer")!.closest("form")!;
      const dropped = new DataTransfer();
      dropped.items.add(new File(["a,b\n1,2\n"], "table.csv", { type: "text/csv" }));
      for (const type of ["dragover", "drop"]) {
        form.dispatchEvent(
          new DragEvent(type, { dataTransfer: dropped, bubbles: true, cancelable: true }),
        );
      }
      // Pasted "image" bytes that are text: the server decides by the bytes and refuses it.
      const pasted = new DataTransfer();
      pasted.items.add(new File(["not an image"], "pasted.png", { type: "image/png" }));
      document
        .querySelector("#composer")!
        .dispatchEvent(
          new ClipboardEvent("paste", { clipboardData: pasted, bubbles: true, cancelable: true }),
        );
    });
    await expect.poll(() => previews().count()).toBe(2);

    const before = await userMessages().count();
    await page.getByLabel("Message").fill("How many lines are in the file?");
    await page.keyboard.press("Enter");
    const refused = previews().filter({ hasText: "pasted.png" });
    await expect
      .poll(() => refused.getByRole("alert").textContent(), { timeout: 20_000 })
      .toMatch(/pasted\.png/);
    // Nothing was sent, and the text and both files wait for another try.
    expect(await userMessages().count()).toBe(before);
    expect(await previews().count()).toBe(2);
    expect(await page.getByLabel("Message").inputValue()).toBe("How many lines are in the file?");

    await page.getByRole("button", { name: "Remove pasted.png" }).click();
    await page.getByLabel("Message").press("Enter");
    await expect
      .poll(() => lastReply().textContent(), { timeout: 30_000 })
      .toContain("table.csv has 2 lines.");
    expect(await previews().count()).toBe(0);
  });
});
