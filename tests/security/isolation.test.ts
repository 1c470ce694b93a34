// The isolation matrix: every procedure that names a context, message, run or tool call is called
// with the ids of another tenant's conversations from every kind of session that must not reach
// them: live sessions of another group, user or agent set (NOT_FOUND), and sessions that are no
// longer live: expired, replaced, ended, signed out (UNAUTHORIZED). Nothing may change in the
// database. Each procedure's door (or its stated reason to have none) is its entry in the suite's
// one table, support/procedure-table.ts; the matrix walks the router's own procedure list, so a
// procedure added later without an entry fails this file, naming the procedure and the table.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { MemoryRateLimiter } from "@agent-access/auth";
import { createApiKey } from "@agent-access/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentBrowser,
  CookieClient,
  postTicket,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  trpcResult,
  uploadFiles,
} from "../../apps/server/test/harness.ts";
import { expectUnchanged, fingerprint, snapshot } from "./support/database.ts";
import { recordFigures } from "./support/figures.ts";
import { type Answer, callProcedure, StatusTally } from "./support/http.ts";
import {
  type AppIds,
  appOwnerGroups,
  entryOf,
  type IntruderKind,
  type IsolationDoor,
  ownAppData,
  PROCEDURE_TABLE,
  tableProblems,
} from "./support/procedure-table.ts";
import { acceptsInput, listProcedures, type ProcedureInfo } from "./support/procedures.ts";
import { makeTargets, type Target } from "./support/scenes.ts";

const GROUP = "workspace:100:user:100";
const OTHER_GROUP = "workspace:200:user:200";
const ASSISTANT = TEST_AGENT;
const BILLING = "billing-assistant";

/** A session that must not reach the victims' conversations, and how it must be refused. */
interface Intruder extends IntruderKind {
  name: string;
  client: CookieClient;
}

type AgentDoor = Extract<IsolationDoor, { door: "agent" }>;

/** The table's isolation doors (support/procedure-table.ts), by procedure path. */
const DOORS = Object.entries(PROCEDURE_TABLE).map(
  ([path, entry]) => [path, entry.isolation] as const,
);

let server: TestServer;
let apiKey: string;
const procedures = listProcedures();
const byPath = new Map(procedures.map((procedure) => [procedure.path, procedure]));

/** Victims: a static session's conversations and a signin user's. */
let staticOwner: CookieClient;
let signinOwner: CookieClient;
let staticTargets: Target[];
let signinTargets: Target[];
/** The signin victim's own app data (the row sets of app-rows.ts): what user doors name. */
let ownerApp: AppIds;
const agentIntruders: Intruder[] = [];
const userIntruders: { name: string; client: CookieClient; expected: string }[] = [];

async function mint(body: Record<string, unknown>): Promise<string> {
  const response = await postTicket(server, apiKey, {
    ticket_type: "agent_access",
    agent_ids: [ASSISTANT],
    agent_session_identifier: "static",
    context_group: GROUP,
    ...body,
  });
  if (response.status !== 201) throw new Error(`mint failed: ${await response.text()}`);
  return ((await response.json()) as { ticket: string }).ticket;
}

async function exchange(client: CookieClient, ticket: string): Promise<void> {
  const answer = await trpcResult(await client.mutation("session.exchange", { ticket }));
  if (answer.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(answer)}`);
}

/** A browser signed in as `user` (a new sign-in of its own). */
async function signedIn(user: TestUser): Promise<CookieClient> {
  const client = new CookieClient(server.url);
  const answer = await client.mutation("auth.signIn", {
    email: user.email,
    password: user.password,
  });
  if (answer.status !== 200) throw new Error(`sign-in failed: ${await answer.text()}`);
  return client;
}

/** A browser that holds only `cookies` (copied from another), as a thief would. */
function holding(cookies: Record<string, string | undefined>): CookieClient {
  const client = new CookieClient(server.url);
  for (const [name, value] of Object.entries(cookies)) {
    if (value) client.cookies.set(name, value);
  }
  return client;
}

beforeAll(async () => {
  // Failed exchanges are not this file's subject; the limit has its own test.
  server = await startTestServer({
    exchangeFailures: new MemoryRateLimiter({ capacity: 1e6, refillIntervalMs: 1 }),
  });
  apiKey = (await createApiKey(server.db, "isolation")).key;

  // The static victim, in GROUP with the assistant.
  staticOwner = await agentBrowser(server, GROUP);
  staticTargets = await makeTargets(server, staticOwner);

  // The signin victim: user U, group user:<U>, and their own app data for the user doors.
  signinOwner = new CookieClient(server.url);
  const userU = await signUp(signinOwner);
  await exchange(
    signinOwner,
    await mint({ agent_session_identifier: "signin", context_group: null }),
  );
  signinTargets = await makeTargets(server, signinOwner);
  ownerApp = await ownAppData(signinOwner);

  const otherUser = new CookieClient(server.url);
  const userV = await signUp(otherUser);
  const signinTicket = (agents = [ASSISTANT], expiresIn = 1800) =>
    mint({
      agent_session_identifier: "signin",
      context_group: null,
      agent_ids: agents,
      expires_in: expiresIn,
    });

  // Live sessions that belong elsewhere: NOT_FOUND.
  agentIntruders.push(
    {
      name: "a static session of another group",
      client: await agentBrowser(server, OTHER_GROUP, [ASSISTANT, BILLING]),
      live: true,
      hasAgent: true,
    },
    {
      name: "a static session of the same group without the agent",
      client: await agentBrowser(server, GROUP, [BILLING]),
      live: true,
      hasAgent: false,
    },
  );
  await exchange(otherUser, await signinTicket([ASSISTANT, BILLING]));
  agentIntruders.push({
    name: "another user's signin session",
    client: otherUser,
    live: true,
    hasAgent: true,
  });
  const withoutAgent = await signedIn(userU);
  await exchange(withoutAgent, await signinTicket([BILLING]));
  agentIntruders.push({
    name: "the same user's signin session without the agent",
    client: withoutAgent,
    live: true,
    hasAgent: false,
  });

  // Sessions that were the victims' own kind but are no longer live: UNAUTHORIZED.
  const expiring = new CookieClient(server.url);
  await exchange(expiring, await mint({ expires_in: 60 }));
  const expiringSignin = await signedIn(userU);
  await exchange(expiringSignin, await signinTicket([ASSISTANT], 60));

  const replaced = new CookieClient(server.url);
  await exchange(replaced, await mint({}));
  const replacedCookie = replaced.cookies.get("agent_session");
  await exchange(replaced, await mint({}));

  const ended = new CookieClient(server.url);
  await exchange(ended, await mint({}));
  const endedCookie = ended.cookies.get("agent_session");
  await ended.mutation("session.end");

  const signedOut = await signedIn(userU);
  await exchange(signedOut, await signinTicket());
  const signedOutCookies = {
    auth_session: signedOut.cookies.get("auth_session"),
    agent_session: signedOut.cookies.get("agent_session"),
  };
  await signedOut.mutation("auth.signOut");

  const signedInAgain = await signedIn(userU);
  await exchange(signedInAgain, await signinTicket());
  await signedInAgain.mutation("auth.signOut");
  await signedInAgain.mutation("auth.signIn", { email: userU.email, password: userU.password });

  const underOtherSignIn = await signedIn(userV);
  underOtherSignIn.cookies.set("agent_session", signinOwner.cookies.get("agent_session")!);

  agentIntruders.push(
    { name: "an expired static session", client: expiring, live: false, hasAgent: true },
    { name: "an expired signin session", client: expiringSignin, live: false, hasAgent: true },
    {
      name: "a session replaced by a newer exchange",
      client: holding({ agent_session: replacedCookie }),
      live: false,
      hasAgent: true,
    },
    {
      name: "a session ended with session.end",
      client: holding({ agent_session: endedCookie }),
      live: false,
      hasAgent: true,
    },
    {
      name: "a signin session after auth.signOut (stale cookies kept)",
      client: holding(signedOutCookies),
      live: false,
      hasAgent: true,
    },
    {
      name: "a signin session after signing out and in again",
      client: signedInAgain,
      live: false,
      hasAgent: true,
    },
    {
      name: "the victim's signin cookie under another user's sign-in",
      client: underOtherSignIn,
      live: false,
      hasAgent: true,
    },
    {
      name: "a forged agent_session cookie",
      client: holding({ agent_session: `aas_${"A".repeat(43)}` }),
      live: false,
      hasAgent: true,
    },
    {
      name: "no agent session at all",
      client: new CookieClient(server.url),
      live: false,
      hasAgent: true,
    },
  );

  // The user doors: another user (NOT_FOUND), stale and missing sign-ins (UNAUTHORIZED), and
  // agent sessions of the groups the app gives the owner's data, without a sign-in.
  userIntruders.push(
    { name: "another user", client: otherUser, expected: "NOT_FOUND" },
    {
      name: "the owner's sign-in after auth.signOut",
      client: holding({ auth_session: signedOutCookies.auth_session }),
      expected: "UNAUTHORIZED",
    },
    { name: "no sign-in at all", client: new CookieClient(server.url), expected: "UNAUTHORIZED" },
  );
  for (const group of appOwnerGroups(ownerApp, userU.id)) {
    userIntruders.push({
      name: `an agent session of the owner's group ${group} without a sign-in`,
      client: await agentBrowser(server, group),
      expected: "UNAUTHORIZED",
    });
  }

  // Past the 60 s tickets; every other session lives 30 minutes.
  server.clock.advance(60_000);
});
afterAll(() => server.close());

describe("the table of cases", () => {
  it("names every procedure of the router, exactly", () => {
    expect(tableProblems(procedures).join("\n")).toBe("");
  });

  it("gives a reason for every procedure it does not probe", () => {
    for (const [path, entry] of DOORS) {
      if ("exempt" in entry) expect(entry.exempt.length, path).toBeGreaterThan(20);
    }
  });

  it("probes every context procedure that takes an id: none is exempt", () => {
    for (const procedure of procedures) {
      if (!procedure.path.startsWith("context.") || procedure.path === "context.list") continue;
      expect(entryOf(procedure).isolation, procedure.path).toHaveProperty("door", "agent");
    }
  });

  it("sends inputs the procedures accept, so a refusal is the session's doing", () => {
    for (const [path, entry] of DOORS) {
      if ("exempt" in entry) continue;
      const procedure = byPath.get(path)!;
      const inputs =
        entry.door === "agent"
          ? [...staticTargets, ...signinTargets].map((target) => entry.input(target))
          : [entry.input(ownerApp)];
      for (const input of inputs) expect(acceptsInput(procedure, input), path).toBe(true);
    }
  });
});

describe("the matrix", () => {
  it("refuses every probe with NOT_FOUND (live elsewhere) or UNAUTHORIZED (not live), changing nothing", async () => {
    const before = await snapshot(server.db);
    const unchanged = await fingerprint(server.db);
    const answers = new StatusTally();
    const byCode = new Map<string, number>();
    let calls = 0;

    async function probe(
      procedure: ProcedureInfo,
      client: CookieClient,
      input: unknown,
      expected: string,
      what: string,
    ): Promise<Answer> {
      const answer = await callProcedure(client, procedure, input);
      calls += 1;
      answers.add(answer.status);
      byCode.set(answer.code ?? "OK", (byCode.get(answer.code ?? "OK") ?? 0) + 1);
      expect(answer.code, what).toBe(expected);
      expect(answer.status, what).toBe(expected === "NOT_FOUND" ? 404 : 401);
      if ((await fingerprint(server.db)) !== unchanged)
        await expectUnchanged(server.db, before, what);
      return answer;
    }

    for (const procedure of procedures) {
      const entry = entryOf(procedure).isolation;
      if ("exempt" in entry) continue;
      const path = procedure.path;
      if (entry.door === "agent") {
        const victims = [
          ...staticTargets.map((target) => ({ victim: "static", target })),
          ...signinTargets.map((target) => ({ victim: "signin", target })),
        ];
        for (const intruder of agentIntruders) {
          if (entry.from && !entry.from(intruder)) continue;
          for (const { victim, target } of victims) {
            const what = `${path} on the ${victim} victim's ${target.label} conversation from ${intruder.name}`;
            const expected = intruder.live ? "NOT_FOUND" : "UNAUTHORIZED";
            await probe(procedure, intruder.client, entry.input(target), expected, what);
          }
        }
      } else {
        for (const intruder of userIntruders) {
          const what = `${path} on the owner's app data from ${intruder.name}`;
          await probe(procedure, intruder.client, entry.input(ownerApp), intruder.expected, what);
        }
      }
    }
    await expectUnchanged(server.db, before, "after the whole matrix");

    const probed = DOORS.filter(([, entry]) => !("exempt" in entry));
    recordFigures("isolation", {
      procedures: procedures.length,
      probedProcedures: probed.length,
      exemptProcedures: procedures.length - probed.length,
      agentSessions: agentIntruders.length,
      userSessions: userIntruders.length,
      targets: staticTargets.length + signinTargets.length,
      calls,
      byStatus: answers.toJSON(),
      byCode: Object.fromEntries(byCode),
    });
    // 2 victims × 3 conversations, 13 agent intruders, 10 agent procedures (create from 11).
    expect(calls).toBeGreaterThan(700);
  });

  it("never shows a victim's conversation in an intruder's list", async () => {
    const victimIds = new Set([...staticTargets, ...signinTargets].map((t) => t.contextId));
    for (const intruder of agentIntruders) {
      const listed = await trpcResult<{ items: { id: string }[] }>(
        await intruder.client.query("context.list", { limit: 100 }),
      );
      if (intruder.live) {
        expect(listed.status, intruder.name).toBe(200);
        expect(
          listed.data!.items.filter((item) => victimIds.has(item.id)),
          intruder.name,
        ).toEqual([]);
      } else {
        expect(listed.error?.code, intruder.name).toBe("UNAUTHORIZED");
      }
    }
  });

  it("refuses a victim's message id as the cursor of an intruder's own conversation", async () => {
    // Message ids are global, so one could be tried against a conversation the intruder does
    // reach. Tool-call ids are not: they name a call within one conversation (the builtin
    // model numbers them call_1, call_2...; providers may repeat them too), so they are only
    // ever looked up inside a context the session reaches, which the matrix covers.
    const intruder = agentIntruders[0]!;
    const [ownIdle] = (await makeTargets(server, intruder.client)) as [Target];
    const before = await snapshot(server.db);
    for (const victim of [...staticTargets, ...signinTargets]) {
      const answer = await callProcedure(intruder.client, byPath.get("context.messages")!, {
        contextId: ownIdle.contextId,
        before: victim.messageId,
      });
      expect({ victim: victim.label, ...answer }).toEqual({
        victim: victim.label,
        status: 400,
        code: "BAD_REQUEST",
      });
    }
    await expectUnchanged(server.db, before, "a victim's message id as a cursor");
  });

  it("answers the owners themselves, so the probes named real conversations", async () => {
    for (const [owner, targets] of [
      [staticOwner, staticTargets],
      [signinOwner, signinTargets],
    ] as const) {
      for (const target of targets) {
        for (const path of [
          "context.get",
          "context.messages",
          "context.events",
          "context.rename",
        ]) {
          const entry = PROCEDURE_TABLE[path]!.isolation as AgentDoor;
          const answer = await callProcedure(owner, byPath.get(path)!, entry.input(target));
          expect({ path, target: target.label, ...answer }).toEqual({
            path,
            target: target.label,
            status: 200,
            code: null,
          });
        }
      }
      const [, approval, input] = targets as [Target, Target, Target];
      for (const [path, target] of [
        ["context.respondToApproval", approval],
        ["context.submitInput", input],
      ] as const) {
        const entry = PROCEDURE_TABLE[path]!.isolation as AgentDoor;
        const answer = await callProcedure(owner, byPath.get(path)!, entry.input(target));
        expect({ path, ...answer }).toEqual({ path, status: 200, code: null });
      }
    }
    // The app's user doors that only read (the demo's workspace.get) answer their owner.
    for (const [path, door] of DOORS) {
      const procedure = byPath.get(path);
      if ("exempt" in door || door.door !== "user" || procedure?.type !== "query") continue;
      const own = await callProcedure(signinOwner, procedure, door.input(ownerApp));
      expect({ path, ...own }).toEqual({ path, status: 200, code: null });
    }
  });

  it("refuses the upload and download routes to every intruder, and serves the owners", async () => {
    // Each victim conversation gets a file; an intruder that learns its id (ids are not secret)
    // gets NOT_FOUND from a live session, exactly as for an id that does not exist, and
    // UNAUTHORIZED from a dead one; nor can it upload into the victim's conversation.
    const files: { owner: CookieClient; target: Target; id: string }[] = [];
    for (const [owner, targets] of [
      [staticOwner, staticTargets],
      [signinOwner, signinTargets],
    ] as const) {
      for (const target of targets) {
        const response = await uploadFiles(owner, target.contextId, [
          { name: "secret.txt", bytes: new TextEncoder().encode(`secret of ${target.label}`) },
        ]);
        expect(response.status, target.label).toBe(201);
        const { files: stored } = (await response.json()) as { files: { id: string }[] };
        files.push({ owner, target, id: stored[0]!.id });
      }
    }
    const before = await snapshot(server.db);
    let calls = 0;
    for (const intruder of agentIntruders) {
      const expected = intruder.live ? 404 : 401;
      const unknown = await intruder.client.fetch("/attachments/att_no_such_file");
      const unknownBody = await unknown.text();
      expect(unknown.status, intruder.name).toBe(expected);
      for (const { target, id } of files) {
        const what = `the file of the ${target.label} conversation from ${intruder.name}`;
        const download = await intruder.client.fetch(`/attachments/${id}`);
        expect(download.status, what).toBe(expected);
        expect(await download.text(), what).toBe(unknownBody);
        const upload = await uploadFiles(intruder.client, target.contextId, [
          { name: "planted.txt", bytes: new TextEncoder().encode("planted") },
        ]);
        expect(upload.status, `upload into ${what}`).toBe(expected);
        calls += 2;
      }
    }
    await expectUnchanged(server.db, before, "after probing the attachment routes");
    recordFigures("isolation-attachments", { intruders: agentIntruders.length, calls });
    for (const { owner, target, id } of files) {
      const own = await owner.fetch(`/attachments/${id}`);
      expect(own.status, target.label).toBe(200);
      expect(await own.text()).toBe(`secret of ${target.label}`);
    }
  });
});
