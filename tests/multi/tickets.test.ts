// Tickets across instances: one minted on A is exchanged on B, and the session it gives works on
// both; two exchanges of one ticket sent at once to A and to B have exactly one winner, the
// database alone deciding.
import { all } from "@agent-access/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CookieClient, trpcResult } from "../../apps/server/test/harness.ts";
import { mintStaticTicket } from "../../apps/server/test/tickets.ts";
import {
  agentBrowser,
  type Cluster,
  describeCluster,
  mutate,
  PUBLIC_URL,
  startCluster,
} from "./support/cluster.ts";

const DOUBLE_EXCHANGES = 200;
/** Rounds in flight at once, two requests each. */
const WAVE = 20;

describeCluster("tickets across two instances", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster?.close());

  it("exchanges on B a ticket minted on A, and the session works on both", async () => {
    const browser = await agentBrowser(cluster, "tenant:multi:user:1", {
      mintOn: cluster.a,
      exchangeOn: cluster.b,
    });
    const onA = await trpcResult<{ contextGroup: string }>(
      await browser.on(cluster.a).query("session.current"),
    );
    const onB = await trpcResult<{ contextGroup: string }>(
      await browser.on(cluster.b).query("session.current"),
    );
    expect(onA.status).toBe(200);
    expect(onB).toEqual(onA);
    expect(onA.data?.contextGroup).toBe("tenant:multi:user:1");
    // Made through B, listed through A.
    const { context } = await mutate<{ context: { id: string } }>(
      browser.on(cluster.b),
      "context.create",
      { title: "made on B" },
    );
    const listed = await trpcResult<{ items: { id: string }[] }>(
      await browser.on(cluster.a).query("context.list", { limit: 10 }),
    );
    expect(listed.data?.items.map((item) => item.id)).toEqual([context.id]);
  });

  it("refuses on A a ticket already exchanged on B", async () => {
    const { ticket } = await mintStaticTicket(cluster.a, cluster.apiKey, "tenant:multi:user:2");
    const first = new CookieClient(cluster.b.url, PUBLIC_URL);
    expect((await trpcResult(await first.mutation("session.exchange", { ticket }))).status).toBe(
      200,
    );
    const again = await trpcResult(
      await new CookieClient(cluster.a.url, PUBLIC_URL).mutation("session.exchange", { ticket }),
    );
    expect(again).toEqual({
      status: 401,
      error: { code: "UNAUTHORIZED", message: "ticket already used: ask your app for a new one" },
    });
  });

  it(`lets exactly one of two exchanges on A and B win, ${DOUBLE_EXCHANGES} tickets`, async () => {
    const groups = Array.from({ length: DOUBLE_EXCHANGES }, (_, i) => `tenant:race:user:${i}`);
    const tickets: string[] = [];
    for (let start = 0; start < groups.length; start += WAVE) {
      const minted = await Promise.all(
        groups
          .slice(start, start + WAVE)
          .map((group, i) =>
            mintStaticTicket((start + i) % 2 === 0 ? cluster.a : cluster.b, cluster.apiKey, group),
          ),
      );
      tickets.push(...minted.map((m) => m.ticket));
    }

    const winners = { a: 0, b: 0 };
    for (let start = 0; start < tickets.length; start += WAVE) {
      await Promise.all(
        tickets.slice(start, start + WAVE).map(async (ticket, offset) => {
          const index = start + offset;
          const racers = [cluster.a, cluster.b].map((server) => ({
            server,
            client: new CookieClient(server.url, PUBLIC_URL),
          }));
          const answers = await Promise.all(
            racers.map(async ({ client }, i) =>
              trpcResult(
                await client.fetch("/trpc/session.exchange", {
                  method: "POST",
                  // Its own address per racer and round: the lost exchanges count as failures,
                  // and the per-address limit on those is not what is tested here.
                  headers: {
                    "content-type": "application/json",
                    "x-forwarded-for": `10.${i}.${index >> 8}.${index & 255}`,
                  },
                  body: JSON.stringify({ ticket }),
                }),
              ),
            ),
          );
          expect({ index, statuses: answers.map((a) => a.status).sort() }).toEqual({
            index,
            statuses: [200, 401],
          });
          const won = answers.findIndex((a) => a.status === 200);
          expect(answers[1 - won]!.error?.message).toBe(
            "ticket already used: ask your app for a new one",
          );
          winners[won === 0 ? "a" : "b"] += 1;
          // The winner's session is good on the other instance too.
          const other = new CookieClient(racers[1 - won]!.server.url, PUBLIC_URL);
          other.cookies.set("agent_session", racers[won]!.client.cookies.get("agent_session")!);
          const current = await trpcResult<{ contextGroup: string }>(
            await other.query("session.current"),
          );
          expect(current.data?.contextGroup).toBe(groups[index]);
        }),
      );
    }
    expect(winners.a + winners.b).toBe(DOUBLE_EXCHANGES);

    // One session per ticket, every ticket consumed.
    const rows = await all<{ consumed: boolean; sessions: number }>(
      cluster.db,
      `SELECT t.consumed_at IS NOT NULL AS consumed, count(s.id) AS sessions
         FROM agent_ticket t LEFT JOIN agent_session s ON s.ticket_id = t.id
        WHERE t.context_group LIKE 'tenant:race:%'
        GROUP BY t.id`,
    );
    expect(rows).toHaveLength(DOUBLE_EXCHANGES);
    expect(rows.filter((row) => !row.consumed || Number(row.sessions) !== 1)).toEqual([]);
    console.log(
      `[multi] double exchanges: ${DOUBLE_EXCHANGES}, won on A ${winners.a}, on B ${winners.b}`,
    );
  });
});
