// The notes example through the extension point, as README.md's "Extending" walks through it:
// one defineApp with the agent, the router and the migrations, a server started from it, and the
// agent driven by the scripted model (@agent-access/agents/testing) over real HTTP.
import { createScriptedModel } from "@agent-access/agents/testing";
import { defineApp, migrateWithApp } from "@agent-access/api";
import { openDatabase } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentBrowser,
  type CookieClient,
  openEvents,
  startTestServer,
  type TestServer,
  trpcResult,
} from "../../../apps/server/test/harness.ts";
import { addNote, type Note, notesAssistant, notesMigrations, notesRouter } from "../src/index.ts";

// What the walkthrough adds to apps/server/src/app.config.ts.
const app = defineApp({
  agents: [notesAssistant],
  routers: { notes: notesRouter },
  migrations: [notesMigrations],
});

const GROUP = "team:7:user:1";
const OTHER_GROUP = "team:8:user:2";

let server: TestServer;
let refundNote: Note;
let otherTeamsNote: Note;
let browser: CookieClient;
beforeAll(async () => {
  const db = openDatabase(":memory:");
  migrateWithApp(db, app);
  refundNote = addNote(db, GROUP, "Refund SD-1001 once it is back", 1_000);
  otherTeamsNote = addNote(db, OTHER_GROUP, "Team 8's plans", 1_000);
  const model = createScriptedModel([
    {
      when: "What notes do I have?",
      calls: [{ tool: "findNotes", input: {} }],
      reply: ([found]) => (found?.output as { summary?: string } | undefined)?.summary ?? "",
    },
    {
      when: "Delete the refund note",
      calls: [{ tool: "deleteNote", input: { noteId: refundNote.id } }],
      reply: ([deleted]) => (deleted?.denied ? "Kept it." : "Deleted it."),
    },
    {
      // A model can be talked into naming another group's note: the tool must not reach it.
      when: "Delete team 8's note",
      calls: [{ tool: "deleteNote", input: { noteId: otherTeamsNote.id } }],
      reply: ([deleted]) => deleted?.error ?? "Deleted it.",
    },
  ]);
  server = await startTestServer({ db, app, model });
  browser = await agentBrowser(server, GROUP, [notesAssistant.id]);
});
afterAll(() => server.close());

const stored = () =>
  server.db.prepare("SELECT id, context_group FROM note ORDER BY id").all() as {
    id: string;
    context_group: string;
  }[];

/** Sends `text` in a context and follows its events until `until`; returns the last event. */
async function turn(contextId: string, text: string, until: "run.finished" | "run.waiting") {
  const { lastEventId } = (
    await trpcResult<{ lastEventId: number }>(
      await browser.query("context.messages", { contextId }),
    )
  ).data!;
  const stream = await openEvents(browser, contextId, lastEventId);
  await browser.mutation("context.send", { contextId, text });
  const events = await stream.until(until);
  stream.close();
  return events.at(-1)!.data;
}

describe("the notes example, added through defineApp", () => {
  it("mounts its router beside the framework's, scoped to the agent session's group", async () => {
    // A group of its own, so that the other tests' notes do not matter here.
    const team9 = await agentBrowser(server, "team:9:user:3", [notesAssistant.id]);
    const added = await trpcResult<Note>(
      await team9.mutation("notes.add", { text: "Call the courier" }),
    );
    expect(added).toMatchObject({ status: 200, data: { text: "Call the courier" } });
    const listed = await trpcResult<Note[]>(await team9.query("notes.list"));
    expect(listed.data!.map((note) => note.text)).toEqual(["Call the courier"]);
    const otherTeam = await agentBrowser(server, OTHER_GROUP, [notesAssistant.id]);
    const theirs = await trpcResult<Note[]>(await otherTeam.query("notes.list"));
    expect(theirs.data!.map((note) => note.id)).toEqual([otherTeamsNote.id]);
    // Without an agent session, the procedures refuse.
    const anonymous = await agentBrowser(server, GROUP, [notesAssistant.id]);
    anonymous.cookies.clear();
    expect((await anonymous.query("notes.list")).status).toBe(401);
  });

  it("finds the group's notes, and deletes one only after the user allows it", async () => {
    const created = await trpcResult<{ context: { id: string } }>(
      await browser.mutation("context.create", { agentId: notesAssistant.id, title: "Notes" }),
    );
    const contextId = created.data!.context.id;

    const found = await turn(contextId, "What notes do I have?", "run.finished");
    expect(found).toMatchObject({ type: "run.finished", status: "completed" });
    const page = await trpcResult<{ items: { parts: { type: string; output?: unknown }[] }[] }>(
      await browser.query("context.messages", { contextId }),
    );
    const call = page.data!.items[1]!.parts[0] as { output: { notes: Note[] } };
    expect(call.output.notes.map((note) => note.id)).not.toContain(otherTeamsNote.id);
    expect(call.output.notes.map((note) => note.id)).toContain(refundNote.id);

    const waiting = await turn(contextId, "Delete the refund note", "run.waiting");
    expect(waiting).toMatchObject({ reason: "approval", toolName: "deleteNote" });
    expect(stored().map((note) => note.id)).toContain(refundNote.id);
    const stream = await openEvents(browser, contextId);
    await browser.mutation("context.respondToApproval", {
      contextId,
      toolCallId: waiting.toolCallId,
      decision: "allow_once",
    });
    const events = await stream.until("run.finished");
    stream.close();
    expect(events.at(-1)!.data).toMatchObject({ status: "completed" });
    expect(stored().map((note) => note.id)).not.toContain(refundNote.id);
  });

  it("cannot delete another group's note, even when the model names it", async () => {
    const created = await trpcResult<{ context: { id: string } }>(
      await browser.mutation("context.create", { agentId: notesAssistant.id, title: "Team 8" }),
    );
    const contextId = created.data!.context.id;
    const waiting = await turn(contextId, "Delete team 8's note", "run.waiting");
    const stream = await openEvents(browser, contextId);
    await browser.mutation("context.respondToApproval", {
      contextId,
      toolCallId: waiting.toolCallId,
      decision: "allow_once",
    });
    await stream.until("run.finished");
    stream.close();
    const page = await trpcResult<{ items: { parts: { type: string; text?: string }[] }[] }>(
      await browser.query("context.messages", { contextId }),
    );
    expect(page.data!.items[1]!.parts).toEqual([
      expect.objectContaining({ type: "tool-call", state: "failed" }),
      { type: "text", text: `There is no note ${otherTeamsNote.id} here.` },
    ]);
    expect(stored()).toContainEqual({ id: otherTeamsNote.id, context_group: OTHER_GROUP });
  });
});
