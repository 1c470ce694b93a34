// The isolation matrix across instances: the victims' conversations (and a signed-in owner's app
// data) are made through A, and every procedure the security suite's table gives a door
// (tests/security/support/procedure-table.ts) is probed through B from every kind of session that
// must not reach them: live sessions of another group, user or agent set (NOT_FOUND), and
// sessions no longer live, ended or replaced through A (UNAUTHORIZED). Nothing may change in
// the database. An instance knows no more than the database tells it: a session ended on A is
// dead on B at once. (Expired sessions, which need a clock the test controls, are the in-process
// matrix's: tests/security/isolation.test.ts.)
import { afterAll, beforeAll, expect, it } from "vitest";
import { billingAssistant, TEST_AGENT } from "../../apps/server/test/agents.ts";
import { type CookieClient, signUp, trpcResult } from "../../apps/server/test/harness.ts";
import { mintStaticTicket, postTicket } from "../../apps/server/test/tickets.ts";
import { expectUnchanged, fingerprint, snapshot } from "../security/support/database.ts";
import { callProcedure } from "../security/support/http.ts";
import {
  type AppIds,
  appOwnerGroups,
  entryOf,
  type IntruderKind,
  ownAppData,
} from "../security/support/procedure-table.ts";
import { listProcedures } from "../security/support/procedures.ts";
import { makeTargets, type Target } from "../security/support/scenes.ts";
import {
  agentBrowser,
  Browser,
  type Cluster,
  describeCluster,
  startCluster,
} from "./support/cluster.ts";

const GROUP = "workspace:100:user:100";
const OTHER_GROUP = "workspace:200:user:200";
/** The test server's second agent: a session with only it lacks the victims' agent. */
const OTHER_AGENT = billingAssistant.id;

interface Intruder extends IntruderKind {
  name: string;
  /** Its requests to B. */
  client: CookieClient;
}

describeCluster("the isolation matrix through B, for what was made through A", () => {
  let cluster: Cluster;
  const procedures = listProcedures();
  const targets: { victim: string; target: Target; owner: Browser }[] = [];
  let ownerApp: AppIds;
  const agentIntruders: Intruder[] = [];
  const userIntruders: { name: string; client: CookieClient; expected: string }[] = [];

  async function exchange(browser: Browser, ticket: string, on = cluster.a): Promise<void> {
    const answer = await trpcResult(await browser.on(on).mutation("session.exchange", { ticket }));
    if (answer.status !== 200) throw new Error(`exchange failed: ${JSON.stringify(answer)}`);
  }

  async function signinTicket(agentIds = [TEST_AGENT]): Promise<string> {
    const response = await postTicket(cluster.a, cluster.apiKey, {
      ticket_type: "agent_access",
      agent_ids: agentIds,
      agent_session_identifier: "signin",
      expires_in: 3600,
    });
    if (response.status !== 201) throw new Error(`mint failed: ${await response.text()}`);
    return ((await response.json()) as { ticket: string }).ticket;
  }

  async function staticTicket(group = GROUP): Promise<string> {
    return (await mintStaticTicket(cluster.a, cluster.apiKey, group, { expires_in: 3600 })).ticket;
  }

  /** A browser that holds only `cookies`, as a thief would. */
  function holding(cookies: Record<string, string | undefined>): Browser {
    const browser = new Browser();
    for (const [name, value] of Object.entries(cookies)) {
      if (value) browser.cookies.set(name, value);
    }
    return browser;
  }

  async function signIn(user: { email: string; password: string }): Promise<Browser> {
    const browser = new Browser();
    const answer = await browser.on(cluster.a).mutation("auth.signIn", user);
    if (answer.status !== 200) throw new Error(`sign-in failed: ${await answer.text()}`);
    return browser;
  }

  beforeAll(async () => {
    cluster = await startCluster();
    const { a, b } = cluster;

    // The victims, made through A: a static session's conversations and a signed-in user's,
    // with the user's own app data.
    const staticOwner = await agentBrowser(cluster, GROUP);
    const signinOwner = new Browser();
    const userU = await signUp(signinOwner.on(a));
    await exchange(signinOwner, await signinTicket());
    for (const [victim, owner] of [
      ["static", staticOwner],
      ["signin", signinOwner],
    ] as const) {
      for (const target of await makeTargets(cluster, owner.on(a))) {
        targets.push({ victim, target, owner });
      }
    }
    ownerApp = await ownAppData(signinOwner.on(a));

    // Live sessions that belong elsewhere, exchanged through B: NOT_FOUND.
    const otherUser = new Browser();
    const userV = await signUp(otherUser.on(a));
    await exchange(otherUser, await signinTicket([TEST_AGENT, OTHER_AGENT]), b);
    const withoutAgent = await signIn(userU);
    await exchange(withoutAgent, await signinTicket([OTHER_AGENT]), b);
    const live: [string, Browser, boolean][] = [
      [
        "a static session of another group",
        await agentBrowser(cluster, OTHER_GROUP, { exchangeOn: b }),
        true,
      ],
      [
        "a static session of the same group without the agent",
        await agentBrowser(cluster, GROUP, { exchangeOn: b, agentIds: [OTHER_AGENT] }),
        false,
      ],
      ["another user's signin session", otherUser, true],
      ["the same user's signin session without the agent", withoutAgent, false],
    ];
    for (const [name, browser, hasAgent] of live) {
      agentIntruders.push({ name, client: browser.on(b), live: true, hasAgent });
    }

    // Sessions that were the victims' own kind, ended or replaced through A: UNAUTHORIZED on B.
    const replaced = new Browser();
    await exchange(replaced, await staticTicket());
    const replacedCookie = replaced.cookies.get("agent_session");
    await exchange(replaced, await staticTicket());

    const ended = new Browser();
    await exchange(ended, await staticTicket());
    const endedCookie = ended.cookies.get("agent_session");
    await ended.on(a).mutation("session.end");

    const signedOut = await signIn(userU);
    await exchange(signedOut, await signinTicket());
    const signedOutCookies = {
      auth_session: signedOut.cookies.get("auth_session"),
      agent_session: signedOut.cookies.get("agent_session"),
    };
    await signedOut.on(a).mutation("auth.signOut");

    const signedInAgain = await signIn(userU);
    await exchange(signedInAgain, await signinTicket());
    await signedInAgain.on(a).mutation("auth.signOut");
    await signedInAgain.on(a).mutation("auth.signIn", userU);

    const underOtherSignIn = await signIn(userV);
    underOtherSignIn.cookies.set("agent_session", signinOwner.cookies.get("agent_session")!);

    const dead: [string, Browser][] = [
      ["a session replaced by a newer exchange", holding({ agent_session: replacedCookie })],
      ["a session ended with session.end", holding({ agent_session: endedCookie })],
      ["a signin session after auth.signOut (stale cookies kept)", holding(signedOutCookies)],
      ["a signin session after signing out and in again", signedInAgain],
      ["the victim's signin cookie under another user's sign-in", underOtherSignIn],
      ["a forged agent_session cookie", holding({ agent_session: `aas_${"A".repeat(43)}` })],
      ["no agent session at all", new Browser()],
    ];
    for (const [name, browser] of dead) {
      agentIntruders.push({ name, client: browser.on(b), live: false, hasAgent: true });
    }

    userIntruders.push(
      { name: "another user", client: otherUser.on(b), expected: "NOT_FOUND" },
      {
        name: "the owner's sign-in after auth.signOut",
        client: holding({ auth_session: signedOutCookies.auth_session }).on(b),
        expected: "UNAUTHORIZED",
      },
      { name: "no sign-in at all", client: new Browser().on(b), expected: "UNAUTHORIZED" },
    );
    for (const group of appOwnerGroups(ownerApp, userU.id)) {
      userIntruders.push({
        name: `an agent session of the owner's group ${group} without a sign-in`,
        client: (await agentBrowser(cluster, group, { exchangeOn: b })).on(b),
        expected: "UNAUTHORIZED",
      });
    }
  });
  afterAll(() => cluster?.close());

  it("refuses every probe through B, NOT_FOUND or UNAUTHORIZED, changing nothing", async () => {
    const db = cluster.db;
    const before = await snapshot(db);
    const unchanged = await fingerprint(db);
    const byCode = new Map<string, number>();
    let calls = 0;

    async function probe(
      path: string,
      client: CookieClient,
      input: unknown,
      expected: string,
      what: string,
    ): Promise<void> {
      const procedure = procedures.find((p) => p.path === path)!;
      const answer = await callProcedure(client, procedure, input);
      calls += 1;
      byCode.set(answer.code ?? "OK", (byCode.get(answer.code ?? "OK") ?? 0) + 1);
      expect(answer.code, what).toBe(expected);
      expect(answer.status, what).toBe(expected === "NOT_FOUND" ? 404 : 401);
      if ((await fingerprint(db)) !== unchanged) await expectUnchanged(db, before, what);
    }

    for (const procedure of procedures) {
      const entry = entryOf(procedure).isolation;
      if ("exempt" in entry) continue;
      if (entry.door === "agent") {
        for (const intruder of agentIntruders) {
          if (entry.from && !entry.from(intruder)) continue;
          for (const { victim, target } of targets) {
            const what = `${procedure.path} through B on the ${victim} victim's ${target.label} conversation from ${intruder.name}`;
            const expected = intruder.live ? "NOT_FOUND" : "UNAUTHORIZED";
            await probe(procedure.path, intruder.client, entry.input(target), expected, what);
          }
        }
      } else {
        for (const intruder of userIntruders) {
          const what = `${procedure.path} through B on the owner's app data from ${intruder.name}`;
          await probe(
            procedure.path,
            intruder.client,
            entry.input(ownerApp),
            intruder.expected,
            what,
          );
        }
      }
    }
    await expectUnchanged(db, before, "after the whole matrix");
    console.log(
      `[multi] isolation through B: ${calls} probes, ${agentIntruders.length} agent sessions, ` +
        `${userIntruders.length} user sessions, ${targets.length} conversations made on A: ` +
        JSON.stringify(Object.fromEntries(byCode)),
    );
    // 2 victims × 3 conversations, 11 agent sessions, 10 agent procedures (create from 7).
    expect(calls).toBeGreaterThan(500);
  });

  it("answers the owners through B, so the probes named real conversations", async () => {
    for (const { victim, target, owner } of targets) {
      for (const path of ["context.get", "context.messages", "context.events", "context.rename"]) {
        const procedure = procedures.find((p) => p.path === path)!;
        const entry = entryOf(procedure).isolation;
        if (!("door" in entry) || entry.door !== "agent") throw new Error(`${path} has no door`);
        const answer = await callProcedure(owner.on(cluster.b), procedure, entry.input(target));
        expect({ path, victim, target: target.label, ...answer }).toEqual({
          path,
          victim,
          target: target.label,
          status: 200,
          code: null,
        });
      }
    }
  });

  it("never lists a victim's conversation to an intruder on B", async () => {
    const victimIds = new Set(targets.map(({ target }) => target.contextId));
    for (const intruder of agentIntruders) {
      const listed = await trpcResult<{ items: { id: string }[] }>(
        await intruder.client.query("context.list", { limit: 100 }),
      );
      if (intruder.live) {
        expect(listed.status, intruder.name).toBe(200);
        expect(listed.data!.items.filter((item) => victimIds.has(item.id))).toEqual([]);
      } else {
        expect(listed.error?.code, intruder.name).toBe("UNAUTHORIZED");
      }
    }
  });
});
