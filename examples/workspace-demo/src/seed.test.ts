import { migrate, migrateApp, openDatabase } from "@agent-access/db";
import { describe, expect, it } from "vitest";
import { DEMO_EMAIL, DEMO_PASSWORD } from "./db/index.ts";
import { workspaceDemoMigrations } from "./migrations.ts";
import { seedWorkspaceDemo } from "./seed.ts";

describe("the demo's seed hook", () => {
  it("seeds an empty database once, printing the sign-in and a development API key", async () => {
    const db = openDatabase(":memory:");
    migrate(db);
    migrateApp(db, workspaceDemoMigrations);
    const printed: string[] = [];
    const context = {
      db,
      appUrl: "http://localhost:3000",
      log: (text: string) => printed.push(text),
    };
    expect(await seedWorkspaceDemo(context)).toBe(true);
    expect(printed.join("\n")).toContain(`sign in   ${DEMO_EMAIL} / ${DEMO_PASSWORD}`);
    expect(printed.join("\n")).toMatch(/app {7}http:\/\/localhost:3000\n/);
    expect(printed.join("\n")).toMatch(/API key\s+aak_/);
    expect(db.prepare("SELECT count(*) FROM workspace").pluck().get()).toBe(2);
    expect(await seedWorkspaceDemo(context)).toBe(false);
    expect(printed).toHaveLength(1);
    db.close();
  });
});
