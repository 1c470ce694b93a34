// The vanity page in a cross-site frame, in a real Chromium that blocks third-party cookies: the
// agent server runs on http://127.0.0.1:<port> with FRAME_ANCESTORS naming one host page on
// http://localhost:<port> (another site: other host, other port; both count as secure contexts,
// so Secure cookies work over plain http). In that host's frame the agent session works: its
// partitioned cookie is kept for that top-level site. A host page not on the list gets no frame
// at all, the framed session never shows up in a top-level tab, a planted link inside the frame
// still asks before switching groups, and a mutation from the host page itself is still refused.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey, openDatabase, sha256 } from "@agent-access/db";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let apiKey: string;
let allowedHost: HostPage;
let otherHost: HostPage;

interface HostPage {
  origin: string;
  close(): Promise<void>;
}

/** A host app's page on localhost: `/?src=<url>` frames `url`. */
async function startHostPage(): Promise<HostPage> {
  const page = http.createServer((request, response) => {
    const src = new URL(request.url ?? "/", "http://localhost").searchParams.get("src") ?? "";
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(
      `<!doctype html><title>Host app</title><h1>Host app</h1><iframe id="agent" title="Agent" src="${src.replace(/"/g, "&quot;")}" style="width:900px;height:650px"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => page.listen(0, "localhost", resolve));
  return {
    origin: `http://localhost:${(page.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => page.close(() => resolve())),
  };
}

beforeAll(async () => {
  allowedHost = await startHostPage();
  otherHost = await startHostPage();
  server = await startServerProcess({ env: { FRAME_ANCESTORS: allowedHost.origin } });
  const db = openDatabase(server.databasePath);
  apiKey = createApiKey(db, "e2e").key;
  db.close();
  // As browsers are heading: no third-party cookies, only partitioned ones (CHIPS).
  browser = await launchBrowser(["--test-third-party-cookie-phaseout"]);
});
// Each test in a browser profile of its own: cookies of one never reach another.
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
});
afterEach(async ({ task }) => {
  if (task.result?.state === "fail") await screenshotPages(task.name, context.pages());
  await context.close();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await allowedHost?.close();
  await otherHost?.close();
});

async function mint(contextGroup: string): Promise<{ ticket: string; url: string }> {
  return mintStaticTicket(server, apiKey, contextGroup, { display_name: contextGroup });
}

function ticketUsed(ticket: string): boolean {
  const db = openDatabase(server.databasePath);
  const consumed = db
    .prepare("SELECT consumed_at FROM agent_ticket WHERE token_hash = ?")
    .pluck()
    .get(sha256(ticket));
  db.close();
  return consumed !== null;
}

async function openHost(host: HostPage, src: string): Promise<{ page: Page; frame: Frame }> {
  const page = await context.newPage();
  await page.goto(`${host.origin}/?src=${encodeURIComponent(src)}`);
  const frame = await (await page.locator("#agent").elementHandle())!.contentFrame();
  return { page, frame: frame! };
}

it("works inside the frame of an allowed host, on a partitioned cookie", async () => {
  const minted = await mint("team:acme:user:ada");
  const { page, frame } = await openHost(allowedHost, minted.url);
  const composer = frame.getByLabel("Message");
  await expect.poll(() => composer.isVisible()).toBe(true);
  expect(await frame.getByTestId("session-label").textContent()).toBe("team:acme:user:ada");

  // Mutations (send) and the event stream carry the cookie inside the frame.
  await composer.fill("Hello there");
  await composer.press("Enter");
  await expect
    .poll(() => frame.locator('[data-testid="message"][data-role="assistant"]').count(), {
      timeout: 20_000,
    })
    .toBeGreaterThan(0);
  await expect.poll(() => frame.getByTestId("streaming").count(), { timeout: 20_000 }).toBe(0);

  // The cookie lives in the host's partition: another page of the host app frames the vanity
  // page without a ticket (the ticket is spent) and the frame has the session.
  const again = await openHost(allowedHost, `${server.url}/vanity/agents`);
  await expect.poll(() => again.frame.getByLabel("Message").isVisible()).toBe(true);
  expect(await again.frame.getByTestId("session-label").textContent()).toBe("team:acme:user:ada");

  // ...and only there: the agent's own origin, top level, has no session.
  const topLevel = await context.newPage();
  await topLevel.goto(`${server.url}/vanity/agents`);
  await expect
    .poll(() => topLevel.getByTestId("session-problem").getAttribute("data-kind"))
    .toBe("missing");
  await topLevel.close();
  await page.close();
});

it("works at the top level too, where the partition is the agent server's own site", async () => {
  const minted = await mint("team:acme:user:ida");
  const page = await context.newPage();
  await page.goto(minted.url);
  const composer = page.getByLabel("Message");
  await expect.poll(() => composer.isVisible()).toBe(true);
  await composer.fill("Hello at the top");
  await composer.press("Enter");
  await expect
    .poll(() => page.locator('[data-testid="message"][data-role="assistant"]').count(), {
      timeout: 20_000,
    })
    .toBeGreaterThan(0);
  await page.reload();
  await expect
    .poll(() => page.getByTestId("session-label").textContent())
    .toBe("team:acme:user:ida");
});

it("still asks before a planted link in the frame switches the group", async () => {
  const own = await mint("team:acme:user:grace");
  const { page, frame } = await openHost(allowedHost, own.url);
  await expect.poll(() => frame.getByLabel("Message").isVisible()).toBe(true);

  const planted = await mint("team:evil:user:mallory");
  await frame.goto(planted.url);
  await expect.poll(() => frame.getByTestId("confirm-switch").isVisible()).toBe(true);
  expect(ticketUsed(planted.ticket)).toBe(false);
  await page.close();
});

it("is not shown in the frame of a host that is not on the list", async () => {
  const minted = await mint("team:acme:user:eve");
  const { page, frame } = await openHost(otherHost, minted.url);
  // The browser refuses the frame (CSP frame-ancestors): the page never runs, the ticket stays.
  await page.waitForLoadState("load");
  expect(await frame.getByTestId("session-problem").count()).toBe(0);
  expect(await frame.getByLabel("Message").count()).toBe(0);
  expect(ticketUsed(minted.ticket)).toBe(false);
  await page.close();
});

it("still refuses a mutation the host page itself sends with the cookie", async () => {
  const minted = await mint("team:acme:user:joan");
  const page = await context.newPage();
  await page.goto(`${allowedHost.origin}/`);
  const status = await page.evaluate(
    async ({ url, ticket }) => {
      // A simple request needs no preflight: it reaches the server, whose answer is opaque here.
      await fetch(`${url}/trpc/session.exchange`, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ ticket }),
      });
      return "sent";
    },
    { url: server.url, ticket: minted.ticket },
  );
  expect(status).toBe("sent");
  expect(ticketUsed(minted.ticket)).toBe(false);
  await page.close();
});
