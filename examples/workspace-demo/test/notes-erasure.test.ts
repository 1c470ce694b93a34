// A group's erasure (DELETE /v1/context-groups/{group}) also removes the demo assistant's notes
// file of that group, through the server's onGroupErased hook, and no other group's.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApiKey } from "@agent-access/db";
import { describe, expect, it, onTestFinished } from "vitest";
import { groupErasureOf } from "../../../apps/server/src/agents.ts";
import { parseEnv } from "../../../apps/server/src/env.ts";
import { startTestServer } from "../../../apps/server/test/harness.ts";
import { v1 } from "../../../apps/server/test/host.ts";
import { notesFileOf } from "../src/index.ts";

describe("a group's erasure and the demo's notes", () => {
  it("removes the erased group's notes file and keeps another group's", async () => {
    const notesDir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-demo-notes-"));
    onTestFinished(() => fs.rmSync(notesDir, { recursive: true, force: true }));
    const server = await startTestServer({
      onGroupErased: groupErasureOf(parseEnv({ AGENT_NOTES_DIR: notesDir })),
    });
    onTestFinished(() => server.close());
    const key = createApiKey(server.db, "erase", Date.now(), "erase").key;
    const group = "workspace:9:user:notes";
    const other = "workspace:9:user:other";
    for (const g of [group, other]) fs.writeFileSync(notesFileOf(notesDir, g), "{}\n");

    const answer = await v1(server, key, `/v1/context-groups/${group}`, "DELETE");
    expect(answer.status).toBe(200);
    expect(fs.existsSync(notesFileOf(notesDir, group))).toBe(false);
    expect(fs.existsSync(notesFileOf(notesDir, other))).toBe(true);
  });

  it("has nothing to remove with AGENT_NOTES_DIR=off", () => {
    expect(groupErasureOf(parseEnv({ AGENT_NOTES_DIR: "off" }))).toBeUndefined();
  });
});
