// The host API (/v1) over real HTTP with real keys: scopes, reading a group's conversations,
// erasing a conversation or a whole group, usage, and the OpenAPI document.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  createAgentRegistry,
  defineAgent,
  folderAttachmentStore,
  type RunUsage,
} from "@agent-access/agents";
import { hostApiRoutes, restError } from "@agent-access/api";
import {
  all,
  column,
  createApiKey,
  type Db,
  grantTool,
  revokeApiKey,
  run,
  value,
} from "@agent-access/db";
import { describeEachDialect } from "@agent-access/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentBrowser,
  postTicket,
  startTestServer,
  type TestServer,
  tableNames,
} from "../test/harness.ts";
import { converse, rate, reply, scopeOf, v1 } from "../test/host.ts";
import { createApp } from "./app.ts";

interface Page<T> {
  data: T[];
  next_cursor?: string | null;
  has_more?: boolean;
}
interface ApiContext {
  id: string;
  context_group: string;
  agent_id: string;
  status: string;
  last_activity_at: number;
}
interface ApiError {
  error: { code: string; message: string };
}

let server: TestServer;
const keys = {} as Record<"all" | "tickets" | "read" | "erase", string>;
describeEachDialect("host-api", () => {
  beforeAll(async () => {
    server = await startTestServer();
    for (const scope of ["all", "tickets", "read", "erase"] as const) {
      keys[scope] = (await createApiKey(server.db, scope, Date.now(), scope)).key;
    }
  });
  afterAll(() => server.close());

  describe("keys and scopes", () => {
    const group = "workspace:1:user:scopes";
    const read = [`/v1/contexts?context_group=${group}`, "/v1/usage"];

    it("refuse a request without a key, with an unknown key or a revoked one", async () => {
      expect(await v1(server, null, read[0]!)).toMatchObject({
        status: 401,
        body: { error: { code: "unauthorized", message: expect.stringContaining("Bearer") } },
      });
      expect((await v1(server, "aak_nope", read[0]!)).status).toBe(401);
      const revoked = await createApiKey(server.db, "old");
      await revokeApiKey(server.db, revoked.id);
      expect(await v1(server, revoked.key, read[0]!)).toMatchObject({
        status: 403,
        body: { error: { code: "forbidden", message: expect.stringContaining("revoked") } },
      });
    });

    it("let read and all keys read, and refuse tickets and erase keys with 403", async () => {
      for (const path of read) {
        expect((await v1(server, keys.read, path)).status).toBe(200);
        expect((await v1(server, keys.all, path)).status).toBe(200);
        for (const other of [keys.tickets, keys.erase]) {
          const answer = await v1<ApiError>(server, other, path);
          expect(answer.status).toBe(403);
          expect(answer.body.error.message).toMatch(/needs "read"/);
        }
      }
    });

    it("let erase and all keys erase, and refuse read and tickets keys with 403", async () => {
      for (const key of [keys.read, keys.tickets]) {
        expect((await v1(server, key, `/v1/context-groups/${group}`, "DELETE")).status).toBe(403);
        expect((await v1(server, key, "/v1/contexts/ctx_nothing", "DELETE")).status).toBe(403);
      }
      expect((await v1(server, keys.erase, `/v1/context-groups/${group}`, "DELETE")).status).toBe(
        200,
      );
      expect((await v1(server, keys.all, `/v1/context-groups/${group}`, "DELETE")).status).toBe(
        200,
      );
    });

    it("let tickets and all keys mint tickets, and refuse read and erase keys with 403", async () => {
      const body = {
        ticket_type: "agent_access",
        agent_ids: ["test-assistant"],
        agent_session_identifier: "static",
        context_group: group,
      };
      expect((await postTicket(server, keys.tickets, body)).status).toBe(201);
      expect((await postTicket(server, keys.all, body)).status).toBe(201);
      for (const key of [keys.read, keys.erase]) {
        const answer = await postTicket(server, key, body);
        expect(answer.status).toBe(403);
        expect(await answer.json()).toMatchObject({ error: { code: "forbidden" } });
      }
    });

    it("refuse a body over the ticket route's limit with its 413 and error shape", async () => {
      const response = await fetch(`${server.url}/v1/contexts/ctx_x`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${keys.all}`, "content-type": "application/json" },
        body: "x".repeat(65 * 1024),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual(
        restError("payload_too_large", "the body is over 65536 bytes"),
      );
      expect(restError("x", "y")).toMatchObject({ error: { code: "x", message: "y" } });
    });

    it("answer with JSON that is never cached, and 404 for a route that does not exist", async () => {
      const answer = await v1(server, keys.read, read[0]!);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(await v1(server, keys.all, "/v1/nothing")).toMatchObject({
        status: 404,
        body: { error: { code: "not_found" } },
      });
    });
  });

  describe("GET /v1/contexts", () => {
    const group = "workspace:2:user:list";
    const ids: string[] = [];
    beforeAll(async () => {
      for (const text of ["first", "second", "third"]) {
        server.clock.advance(1000);
        ids.push((await converse(server, scopeOf(group), text)).contextId);
      }
      server.clock.advance(1000);
      ids.push((await converse(server, scopeOf(group, "billing-assistant"), "fourth")).contextId);
      await converse(server, scopeOf("workspace:2:user:other"), "not this group");
    });

    it("lists the group's contexts of every agent, newest activity first", async () => {
      const answer = await v1<Page<ApiContext>>(
        server,
        keys.read,
        `/v1/contexts?context_group=${group}`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.data.map((c) => c.id)).toEqual([...ids].reverse());
      expect(answer.body.data[0]).toMatchObject({
        context_group: group,
        agent_id: "billing-assistant",
        status: "idle",
        title: "Fourth",
      });
      expect(answer.body.next_cursor).toBeNull();
    });

    it("pages with the cursor and filters by agent and status", async () => {
      const first = await v1<Page<ApiContext>>(
        server,
        keys.read,
        `/v1/contexts?context_group=${group}&limit=3`,
      );
      expect(first.body.data).toHaveLength(3);
      const second = await v1<Page<ApiContext>>(
        server,
        keys.read,
        `/v1/contexts?context_group=${group}&limit=3&cursor=${first.body.next_cursor}`,
      );
      expect(second.body).toEqual({
        data: [expect.objectContaining({ id: ids[0] })],
        next_cursor: null,
      });
      const billing = await v1<Page<ApiContext>>(
        server,
        keys.read,
        `/v1/contexts?context_group=${group}&agent_id=billing-assistant`,
      );
      expect(billing.body.data.map((c) => c.id)).toEqual([ids[3]]);
      const running = await v1<Page<ApiContext>>(
        server,
        keys.read,
        `/v1/contexts?context_group=${group}&status=running`,
      );
      expect(running.body.data).toEqual([]);
    });

    it("gives an unknown group an empty list, not an error", async () => {
      const answer = await v1(
        server,
        keys.read,
        "/v1/contexts?context_group=workspace:404:user:none",
      );
      expect(answer).toMatchObject({ status: 200, body: { data: [], next_cursor: null } });
    });

    it("takes a group that fits an agent's own rule or is a signin session's", async () => {
      const teams = createAgentRegistry([
        defineAgent({
          id: "team-agent",
          name: "Team agent",
          description: "Works for teams.",
          instructions: "Help the team.",
          tools: {},
          contextGroup: { pattern: /team-\d+/, description: "team-<number>" },
        }),
      ]);
      const other = await startTestServer({ agents: teams });
      try {
        const key = (await createApiKey(other.db, "read", Date.now(), "read")).key;
        for (const group of ["team-7", "user:usr_abc-DEF_1", "workspace:1:user:2"]) {
          expect((await v1(other, key, `/v1/contexts?context_group=${group}`)).status, group).toBe(
            200,
          );
        }
        const bad = await v1<ApiError>(other, key, "/v1/contexts?context_group=team-x");
        expect(bad.status).toBe(400);
        expect(bad.body.error.message).toMatch(/^context_group: does not fit/);
      } finally {
        await other.close();
      }
    });

    it("answers bad input with 400 naming the field", async () => {
      const cases: [string, string][] = [
        ["", "context_group"],
        ["context_group=not%20a%20group", "context_group"],
        [`context_group=${group}&cursor=bm90LWEtY3Vyc29y`, "cursor"],
        [`context_group=${group}&cursor=%25%25`, "cursor"],
        [`context_group=${group}&limit=0`, "limit"],
        [`context_group=${group}&limit=101`, "limit"],
        [`context_group=${group}&limit=ten`, "limit"],
        [`context_group=${group}&status=sleeping`, "status"],
      ];
      for (const [query, field] of cases) {
        const answer = await v1<ApiError>(server, keys.read, `/v1/contexts?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error.code).toBe("invalid_request");
        expect(answer.body.error.message.startsWith(`${field}:`), answer.body.error.message).toBe(
          true,
        );
      }
    });
  });

  describe("GET /v1/contexts/{id} and its messages", () => {
    const group = "workspace:3:user:read";
    let contextId: string;
    beforeAll(async () => {
      ({ contextId } = await converse(server, scopeOf(group), "hello"));
      await reply(server, scopeOf(group), contextId, "show webhook health");
    });

    it("gives one context, and 404 for an unknown or deleted one", async () => {
      expect(await v1(server, keys.read, `/v1/contexts/${contextId}`)).toMatchObject({
        status: 200,
        body: { id: contextId, context_group: group, title: "Hello", status: "idle" },
      });
      expect(await v1(server, keys.read, "/v1/contexts/ctx_unknown")).toMatchObject({
        status: 404,
        body: { error: { code: "not_found" } },
      });
      const other = await converse(server, scopeOf(group), "to delete");
      await server.runtime.deleteContext(scopeOf(group), other.contextId);
      expect((await v1(server, keys.read, `/v1/contexts/${other.contextId}`)).status).toBe(404);
    });

    it("gives the messages with their parts, oldest first, a page at a time", async () => {
      const all = await v1<Page<{ id: string; role: string; parts: { type: string }[] }>>(
        server,
        keys.read,
        `/v1/contexts/${contextId}/messages`,
      );
      expect(all.body.has_more).toBe(false);
      expect(all.body.data.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
      expect(all.body.data[0]!.parts).toEqual([{ type: "text", text: "hello" }]);
      expect(all.body.data[3]!.parts.map((p) => p.type)).toContain("tool-call");

      const newest = await v1<Page<{ id: string }>>(
        server,
        keys.read,
        `/v1/contexts/${contextId}/messages?limit=3`,
      );
      expect(newest.body).toMatchObject({ has_more: true });
      expect(newest.body.data.map((m) => m.id)).toEqual(all.body.data.slice(1).map((m) => m.id));
      const older = await v1<Page<{ id: string }>>(
        server,
        keys.read,
        `/v1/contexts/${contextId}/messages?limit=3&before=${newest.body.data[0]!.id}`,
      );
      expect(older.body).toEqual({ data: [all.body.data[0]], has_more: false });
    });

    it("answers a bad cursor or limit with 400 naming it, an unknown context with 404", async () => {
      const before = await v1<ApiError>(
        server,
        keys.read,
        `/v1/contexts/${contextId}/messages?before=msg_x`,
      );
      expect(before.status).toBe(400);
      expect(before.body.error.message).toMatch(/^before:/);
      const limit = await v1<ApiError>(
        server,
        keys.read,
        `/v1/contexts/${contextId}/messages?limit=201`,
      );
      expect(limit.body.error.message).toMatch(/^limit:/);
      expect((await v1(server, keys.read, "/v1/contexts/ctx_unknown/messages")).status).toBe(404);
    });
  });

  /** Every row of every table, by table, found by introspecting the database's catalogue. */
  async function everyRow(db: Db): Promise<Map<string, string[]>> {
    const rows = new Map<string, string[]>();
    for (const table of await tableNames(db)) {
      rows.set(
        table,
        (await all<object>(db, `SELECT * FROM "${table}"`)).map((row) => JSON.stringify(row)),
      );
    }
    return rows;
  }

  /** The rows that mention any of `needles`, by table. */
  async function rowsMentioning(db: Db, needles: string[]): Promise<Record<string, string[]>> {
    const found: Record<string, string[]> = {};
    for (const [table, rows] of await everyRow(db)) {
      const hits = rows.filter((row) => needles.some((needle) => row.includes(needle)));
      if (hits.length > 0) found[table] = hits;
    }
    return found;
  }

  describe("erasure", () => {
    it("DELETE /v1/contexts/{id} erases one conversation and reports the counts", async () => {
      const group = "workspace:4:user:one";
      const kept = await converse(server, scopeOf(group), "keep me");
      const { contextId } = await converse(server, scopeOf(group), "erase me");
      await rate(server, scopeOf(group), contextId, "bad", "erase my opinion too");
      await rate(server, scopeOf(group), kept.contextId, "good");
      const answer = await v1(server, keys.erase, `/v1/contexts/${contextId}`, "DELETE");
      expect(answer).toEqual({
        status: 200,
        headers: expect.anything(),
        body: {
          erased: {
            contexts: 1,
            messages: 2,
            events: expect.any(Number),
            runs: 1,
            feedback: 1,
            tool_grants: 0,
            agent_sessions: 0,
            tickets: 0,
            files: 0,
          },
          cancelled_runs: 0,
        },
      });
      expect(await rowsMentioning(server.db, [contextId])).toEqual({});
      expect((await v1(server, keys.read, `/v1/contexts/${kept.contextId}`)).status).toBe(200);
      const left = await v1<Page<{ context_id: string }>>(
        server,
        keys.read,
        `/v1/feedback?context_group=${encodeURIComponent(group)}`,
      );
      expect(left.body.data.map((row) => row.context_id)).toEqual([kept.contextId]);
      expect((await v1(server, keys.erase, `/v1/contexts/${contextId}`, "DELETE")).status).toBe(
        404,
      );
    });

    it("DELETE /v1/context-groups/{group} leaves no row of the group in any table", async () => {
      const group = "workspace:5:user:erase";
      const other = "workspace:5:user:stays";
      for (const g of [group, other]) {
        await agentBrowser(server, g, ["test-assistant", "billing-assistant"]);
        const health = await converse(server, scopeOf(g), "show webhook health");
        await rate(server, scopeOf(g), health.contextId, "good", `fine in ${g}`);
        await converse(server, scopeOf(g, "billing-assistant"), "hello");
        await grantTool(
          server.db,
          { contextGroup: g, agentId: "test-assistant", toolName: "x" },
          1,
        );
      }
      const deleted = await converse(server, scopeOf(group), "deleted by its user");
      await server.runtime.deleteContext(scopeOf(group), deleted.contextId);
      const ids = await column<string>(
        server.db,
        "SELECT id FROM context WHERE context_group = ?",
        [group],
      );
      expect(ids).toHaveLength(3);
      const before = await rowsMentioning(server.db, [other]);

      const answer = await v1(
        server,
        keys.erase,
        `/v1/context-groups/${encodeURIComponent(group)}`,
        "DELETE",
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        erased: {
          contexts: 3,
          messages: 6,
          events: expect.any(Number),
          runs: 3,
          feedback: 1,
          tool_grants: 1,
          agent_sessions: 1,
          tickets: 1,
          files: 0,
        },
        cancelled_runs: 0,
      });
      expect(await rowsMentioning(server.db, [group, ...ids])).toEqual({});
      expect(await rowsMentioning(server.db, [other])).toEqual(before);
      const again = await v1(server, keys.erase, `/v1/context-groups/${group}`, "DELETE");
      expect(again.body).toMatchObject({ erased: { contexts: 0, messages: 0 }, cancelled_runs: 0 });
    });

    it("cancels a running run through the run engine before erasing", async () => {
      const slow = await startTestServer({ tokenDelayMs: 200 });
      try {
        const key = (await createApiKey(slow.db, "erase", Date.now(), "erase")).key;
        const group = "workspace:6:user:busy";
        const { context } = await slow.runtime.createContext(scopeOf(group), {
          agentId: "test-assistant",
          firstMessage: "stream 500 words",
        });
        expect(await value(slow.db, "SELECT status FROM run")).toBe("running");
        const answer = await v1(slow, key, `/v1/context-groups/${group}`, "DELETE");
        expect(answer.body).toMatchObject({ erased: { contexts: 1, runs: 1 }, cancelled_runs: 1 });
        expect(await rowsMentioning(slow.db, [group, context.id])).toEqual({});
      } finally {
        await slow.close();
      }
    });

    it("removes the files a folder store keeps, and calls onGroupErased with the group", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-erase-"));
      const erasedGroups: string[] = [];
      const files = await startTestServer({
        attachments: { store: folderAttachmentStore(path.join(dir, "files")) },
        onGroupErased: async (group) => {
          erasedGroups.push(group);
        },
      });
      try {
        const key = (await createApiKey(files.db, "erase", Date.now(), "erase")).key;
        const group = "workspace:8:user:files";
        const other = "workspace:8:user:other";
        const bytes = new TextEncoder().encode("a note\n");
        async function uploaded(g: string): Promise<{ contextId: string; file: string }> {
          const { contextId } = await converse(files, scopeOf(g), "hello");
          const [part] = await files.runtime.uploadAttachments(scopeOf(g), contextId, [
            { name: "a.txt", bytes },
          ]);
          return { contextId, file: path.join(dir, "files", part!.id) };
        }
        const one = await uploaded(group);
        const two = await uploaded(group);
        const kept = await uploaded(other);
        // A context its user deleted whose files a crash left behind: erasure removes them too.
        await run(files.db, "UPDATE context SET deleted_at = 1 WHERE id = ?", [two.contextId]);

        const context = await v1(files, key, `/v1/contexts/${one.contextId}`, "DELETE");
        expect(context.body).toMatchObject({ erased: { contexts: 1, files: 1 } });
        expect(fs.existsSync(one.file)).toBe(false);
        expect(fs.existsSync(two.file)).toBe(true);
        expect(erasedGroups).toEqual([]);

        const all = await v1(files, key, `/v1/context-groups/${group}`, "DELETE");
        expect(all.body).toMatchObject({ erased: { contexts: 1, files: 1 } });
        expect(fs.existsSync(two.file)).toBe(false);
        expect(fs.existsSync(kept.file)).toBe(true);
        expect(erasedGroups).toEqual([group]);
      } finally {
        await files.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("answers a malformed group with 400 naming it", async () => {
      const answer = await v1<ApiError>(
        server,
        keys.erase,
        "/v1/context-groups/no%20format",
        "DELETE",
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toMatch(/^group:/);
    });
  });

  describe("GET /v1/feedback", () => {
    it("lists the group's ratings with comments, newest change first, paged and filtered", async () => {
      const group = "workspace:8:user:rates";
      const first = await converse(server, scopeOf(group), "hello");
      const second = await converse(server, scopeOf(group), "show webhook health");
      const elsewhere = await converse(server, scopeOf("workspace:8:user:other"), "hello");
      const firstReply = await rate(server, scopeOf(group), first.contextId, "bad", "Too short.");
      server.clock.advance(1);
      const secondReply = await rate(server, scopeOf(group), second.contextId, "good");
      await rate(server, scopeOf("workspace:8:user:other"), elsewhere.contextId, "bad", "theirs");
      const path = `/v1/feedback?context_group=${encodeURIComponent(group)}`;

      const all = await v1<Page<Record<string, unknown>>>(server, keys.read, path);
      expect(all.status).toBe(200);
      expect(all.body).toEqual({
        data: [
          {
            message_id: secondReply,
            context_id: second.contextId,
            context_group: group,
            rating: "good",
            comment: null,
            created_at: expect.any(Number),
            updated_at: expect.any(Number),
          },
          expect.objectContaining({ message_id: firstReply, rating: "bad", comment: "Too short." }),
        ],
        next_cursor: null,
      });
      const page = await v1<Page<{ message_id: string }>>(server, keys.read, `${path}&limit=1`);
      expect(page.body.data.map((row) => row.message_id)).toEqual([secondReply]);
      const next = await v1<Page<{ message_id: string }>>(
        server,
        keys.read,
        `${path}&limit=1&cursor=${page.body.next_cursor}`,
      );
      expect(next.body.data.map((row) => row.message_id)).toEqual([firstReply]);
      expect(next.body.next_cursor).toBeNull();
      const bad = await v1<Page<{ message_id: string }>>(server, keys.read, `${path}&rating=bad`);
      expect(bad.body.data.map((row) => row.message_id)).toEqual([firstReply]);
      const one = await v1<Page<{ message_id: string }>>(
        server,
        keys.read,
        `${path}&context_id=${second.contextId}`,
      );
      expect(one.body.data.map((row) => row.message_id)).toEqual([secondReply]);
    });

    it("needs a read key, and answers bad input with 400 naming the field", async () => {
      const path = "/v1/feedback?context_group=workspace:8:user:rates";
      expect((await v1(server, keys.erase, path)).status).toBe(403);
      expect((await v1(server, keys.tickets, path)).status).toBe(403);
      expect((await v1(server, null, path)).status).toBe(401);
      for (const [query, field] of [
        ["context_group=not%20a%20group", "context_group"],
        ["context_group=workspace:8:user:rates&limit=101", "limit"],
        ["context_group=workspace:8:user:rates&rating=meh", "rating"],
        ["context_group=workspace:8:user:rates&cursor=nope", "cursor"],
      ] as const) {
        const answer = await v1<ApiError>(server, keys.read, `/v1/feedback?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error.message, query).toContain(field);
      }
    });
  });

  describe("GET /v1/usage", () => {
    it("sums the runs' recorded usage and tool calls per agent and per day", async () => {
      const group = "workspace:7:user:usage";
      const finished: { agent: string; usage: RunUsage }[] = [];
      for (const [agent, text] of [
        ["test-assistant", "show webhook health"],
        ["test-assistant", "hello there"],
        ["billing-assistant", "an invoice question"],
      ] as const) {
        const { events } = await converse(server, scopeOf(group, agent), text);
        const end = events.at(-1)!.event;
        if (end.type !== "run.finished") throw new Error(`run did not finish: ${end.type}`);
        finished.push({ agent, usage: end.usage });
      }
      await converse(server, scopeOf("workspace:7:user:elsewhere"), "not counted");
      // The report ends before `to`, which is now unless given: let the frozen clock move on.
      server.clock.advance(1);
      const expected = (agent?: string) => {
        const runs = finished.filter((run) => agent === undefined || run.agent === agent);
        return {
          runs: runs.length,
          input_tokens: runs.reduce((sum, run) => sum + run.usage.inputTokens, 0),
          output_tokens: runs.reduce((sum, run) => sum + run.usage.outputTokens, 0),
          total_tokens: runs.reduce((sum, run) => sum + run.usage.totalTokens, 0),
        };
      };
      expect(expected().input_tokens).toBeGreaterThan(0);

      const byAgent = await v1<{ buckets: object[]; totals: object }>(
        server,
        keys.read,
        `/v1/usage?context_group=${group}&group_by=agent`,
      );
      expect(byAgent.status).toBe(200);
      expect(byAgent.body.buckets).toEqual([
        { key: "billing-assistant", ...expected("billing-assistant"), tool_calls: 0 },
        { key: "test-assistant", ...expected("test-assistant"), tool_calls: 1 },
      ]);
      expect(byAgent.body.totals).toEqual({ ...expected(), tool_calls: 1 });

      const byDay = await v1<{ buckets: object[] }>(
        server,
        keys.read,
        `/v1/usage?context_group=${group}`,
      );
      const day = new Date(server.clock.now).toISOString().slice(0, 10);
      expect(byDay.body.buckets).toEqual([{ key: day, ...expected(), tool_calls: 1 }]);

      const before = await v1<{ totals: { runs: number } }>(
        server,
        keys.read,
        `/v1/usage?context_group=${group}&from=2020-01-01&to=2020-02-01`,
      );
      expect(before.body.totals.runs).toBe(0);
    });

    it("answers a bad period or grouping with 400 naming the field", async () => {
      for (const [query, field] of [
        ["from=yesterday", "from"],
        ["from=2026-02-01&to=2026-01-01", "from"],
        ["from=2020-01-01&to=2026-01-01", "from"],
        ["group_by=week", "group_by"],
        ["context_group=bad%20group", "context_group"],
      ]) {
        const answer = await v1<ApiError>(server, keys.read, `/v1/usage?${query}`);
        expect(answer.status, query).toBe(400);
        expect(answer.body.error.message.startsWith(`${field}:`), answer.body.error.message).toBe(
          true,
        );
      }
    });
  });

  describe("GET /v1/openapi.json", () => {
    it("is an OpenAPI 3.1 document with every REST route the server mounts", async () => {
      const response = await fetch(`${server.url}/v1/openapi.json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      };
      expect(document.openapi).toBe("3.1.0");
      // The routes as the app itself registered them, not as the route table lists them.
      const app = createApp({
        db: server.db,
        runtime: server.runtime,
        agents: {} as never,
        config: { publicUrl: "http://localhost", contextGroupPattern: /.*/ },
      });
      const mounted = app.routes
        .filter((route) => /^\/(v1|session\/tickets)/.test(route.path) && route.method !== "ALL")
        .filter((route) => route.path !== "/v1/openapi.json")
        .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
      expect(mounted).toHaveLength(hostApiRoutes.length + 1);
      expect(mounted).toContain("post /session/tickets");
      const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method} ${path}`),
      );
      expect(documented.sort()).toEqual([...new Set(mounted)].sort());
      const list = document.paths["/v1/contexts"]!.get!;
      // Every route may answer 503 while the database is out of reach (database-outage.test.ts).
      expect(Object.keys((list as { responses: object }).responses)).toContain("503");
      expect(list.parameters!.map((p) => p.name)).toEqual([
        "context_group",
        "cursor",
        "limit",
        "status",
        "agent_id",
      ]);
    });
  });
});
