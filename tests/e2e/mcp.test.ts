// An MCP tool in a real Chromium against the production build: the server reads
// AGENT_MCP_CONFIG (server-everything from node_modules for the framework's test agent), the
// vanity page greets the user by the name in the ticket's host context, and "use echo to say hi"
// runs the MCP tool after the user's approval. A server that cannot start shows as a failed
// card; the run still answers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { packageBin } from "@agent-access/agents";
import { TEST_AGENT } from "@agent-access/agents/testing";
import { closeDatabase, createApiKey, openDatabase } from "@agent-access/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "../../apps/server/test/server-process.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import { launchBrowser, screenshotPages } from "./support/browser.ts";

let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let agentTab: Page;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-e2e-mcp-"));
  const config = path.join(dir, "mcp.json");
  const everything = packageBin(
    "@modelcontextprotocol/server-everything",
    undefined,
    new URL("../../packages/agents/package.json", import.meta.url).href,
  );
  fs.writeFileSync(
    config,
    JSON.stringify({
      agents: {
        [TEST_AGENT]: [
          { name: "everything", transport: "stdio", command: process.execPath, args: [everything] },
          { name: "broken", transport: "stdio", command: "/nonexistent/mcp-server" },
        ],
      },
    }),
  );
  server = await startServerProcess({ env: { AGENT_MCP_CONFIG: config } });
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

describe("an MCP tool in the browser", () => {
  it("greets the user by name from the ticket's host context", async () => {
    const db = openDatabase(server.databasePath);
    const { key } = await createApiKey(db, "mcp");
    await closeDatabase(db);
    const { url } = await mintStaticTicket(server, key, "tenant:mcp:user:1", {
      context: { userName: "Grace Hopper", workspaceName: "Compilers" },
    });
    agentTab = await context.newPage();
    await agentTab.goto(url);
    await expect.poll(() => agentTab.getByLabel("Message").isVisible()).toBe(true);
    await expect
      .poll(() => agentTab.getByText("Hi Grace Hopper. Ask about Compilers.").count())
      .toBe(1);
  });

  it("calls everything_echo after approval, and shows the failed server's card", async () => {
    await agentTab.getByLabel("Message").fill("use echo to say hi");
    await agentTab.keyboard.press("Enter");
    const card = agentTab.getByTestId("approval-card");
    await expect.poll(() => card.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await card.textContent()).toContain("Everything echo");
    await card.getByRole("button", { name: "Allow once" }).click();

    const tool = agentTab.locator('[data-testid="tool-call"][data-tool="everything_echo"]');
    await expect.poll(() => tool.getAttribute("data-state"), { timeout: 30_000 }).toBe("completed");
    const reply = agentTab.locator('[data-testid="message"][data-role="assistant"]').last();
    await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toContain("Echo: hi");

    const broken = agentTab.locator('[data-testid="tool-call"][data-tool="mcp_broken"]');
    expect(await broken.getAttribute("data-state")).toBe("failed");
    expect(await broken.textContent()).toContain('The MCP server "broken" could not start');
  });
});
