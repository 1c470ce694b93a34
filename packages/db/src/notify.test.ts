import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { describeEachDialect } from "../test/dialects.ts";
import { createListener, type Db, get, type Listener, notify, transaction } from "./index.ts";

// Channels are shared by every schema of the test database: each test takes its own name.
const channelName = () => `test_${randomBytes(6).toString("hex")}`;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describeEachDialect("notifications", (suite) => {
  async function open(): Promise<{ db: Db; listener: Listener; other: Db }> {
    const db = await suite.open();
    const listener = createListener(db, { onError: () => {}, minBackoffMs: 20 });
    suite.urlOf(db); // keeps the schema until the test ends
    const other = suite.openAnother(db) ?? db;
    return { db, listener, other };
  }

  if (suite.dialect === "sqlite") {
    it("does nothing on SQLite: one process, nobody else to wake", async () => {
      const { db, listener } = await open();
      const heard: string[] = [];
      listener.on("anything", (payload) => heard.push(payload));
      await listener.ready();
      await notify(db, "anything", "x");
      expect(heard).toEqual([]);
      expect(listener.connected()).toBe(true);
      await listener.close();
    });
    return;
  }

  it("delivers a payload sent by another pool, and one sent in a transaction only at commit", async () => {
    const { listener, other } = await open();
    const channel = channelName();
    const heard: string[] = [];
    listener.on(channel, (payload) => heard.push(payload));
    await listener.ready();

    await notify(other, channel, "direct");
    await until(() => heard.length === 1, "the direct notification");

    await transaction(other, async (tx) => {
      await notify(tx, channel, "committed");
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toEqual(["direct"]);
    });
    await until(() => heard.length === 2, "the committed notification");

    await expect(
      transaction(other, async (tx) => {
        await notify(tx, channel, "rolled back");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await notify(other, channel, "after");
    await until(() => heard.length === 3, "the notification after the rollback");
    expect(heard).toEqual(["direct", "committed", "after"]);
    await listener.close();
  });

  it("reconnects when its session is killed, tells onReconnect, and hears again", async () => {
    const { db, listener, other } = await open();
    const channel = channelName();
    const heard: string[] = [];
    let reconnects = 0;
    listener.on(channel, (payload) => heard.push(payload));
    listener.onReconnect(() => reconnects++);
    await listener.ready();
    const pids = await get<{ n: number }>(
      db,
      "SELECT count(*) AS n FROM pg_stat_activity WHERE query = ?",
      [`LISTEN ${channel}`],
    );
    expect(pids?.n).toBe(1);
    await get(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = ?", [
      `LISTEN ${channel}`,
    ]);
    await until(() => reconnects === 1, "the reconnection");
    expect(listener.connected()).toBe(true);
    await notify(other, channel, "again");
    await until(() => heard.length === 1, "the notification after reconnecting");
    await listener.close();
  });

  it("refuses a channel name that is not a plain identifier", async () => {
    const { db, listener } = await open();
    expect(() => listener.on("x; DROP TABLE message", () => {})).toThrow("not a channel name");
    await expect(notify(db, "Bad-Name", "x")).rejects.toThrow("not a channel name");
    await listener.close();
  });
});
