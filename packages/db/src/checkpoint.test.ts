// WAL checkpoints off the event loop (checkpoint.ts): a worker thread checkpoints each open
// SQLite file, SQLite's own automatic checkpoint on the main connection is only a fallback that
// bounds the WAL, and closing a database ends the thread.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  closeDatabase,
  type Db,
  type OpenDatabaseOptions,
  openDatabase,
  run,
  sqliteOf,
  value,
} from "./index.ts";

const PAGE = 4096;
// A WAL frame: a 24-byte header and the page; the file starts with a 32-byte header.
const FRAME = 24 + PAGE;

const dirs: string[] = [];
const opened: Db[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aa-ckpt-"));
  dirs.push(dir);
  return dir;
}
function open(file: string, options?: OpenDatabaseOptions): Db {
  const db = openDatabase(file, options);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) await closeDatabase(db);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** `rows` commits, each a row of about a page: at least one new page per commit. */
async function fill(db: Db, rows: number, after?: () => unknown): Promise<void> {
  await run(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)");
  for (let i = 0; i < rows; i++) {
    await run(db, "INSERT INTO t (v) VALUES (randomblob(4000))");
    await after?.();
  }
}

describe("SQLite WAL checkpoints", () => {
  it("are made by another thread: the file receives the pages with no commit after them", async () => {
    const file = path.join(tempDir(), "app.db");
    const db = open(file);
    // About 400 WAL frames, below SQLite's default automatic checkpoint (1,000 pages), and
    // nothing written after: only a checkpoint elsewhere copies them into the file.
    await fill(db, 200);
    await expect
      .poll(() => fs.statSync(file).size, { timeout: 15_000 })
      .toBeGreaterThan(200 * PAGE);
    expect(await value(db, "SELECT count(*) FROM t")).toBe(200);
  });

  it("start the WAL over under a steady stream of commits, with no fallback to do it", async () => {
    const file = path.join(tempDir(), "app.db");
    const db = open(file, { checkpointIntervalMs: 20, checkpointFallbackPages: 0 });
    await fill(db, 1);
    // The WAL header's salts change each time SQLite starts the WAL over (its file format).
    const salts = () => {
      const header = Buffer.alloc(8);
      const fd = fs.openSync(`${file}-wal`, "r");
      fs.readSync(fd, header, 0, 8, 16);
      fs.closeSync(fd);
      return header.toString("hex");
    };
    const first = salts();
    // A commit at each turn of the event loop (the worker's messages are handled between
    // them), never a pause long enough for a pass to end with nothing left: only the worker's
    // catch-up, with the main connection's queue held, lets the WAL start over. The cap only
    // ends the test if it never does (about 30,000 frames).
    let commits = 0;
    while (salts() === first && commits < 10_000) {
      await run(db, "INSERT INTO t (v) VALUES (randomblob(4000))");
      await new Promise((resolve) => setImmediate(resolve));
      commits++;
    }
    expect(salts()).not.toBe(first);
    expect(await value(db, "SELECT count(*) FROM t")).toBe(commits + 1);
  });

  it("leave the main connection SQLite's automatic checkpoint only as a fallback far out", () => {
    const file = sqliteOf(open(path.join(tempDir(), "app.db")))!;
    expect(file.pragma("wal_autocheckpoint", { simple: true })).toBe(10_000);
    // Without the worker, SQLite's own default.
    const alone = sqliteOf(open(path.join(tempDir(), "alone.db"), { checkpointIntervalMs: 0 }))!;
    expect(alone.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
  });

  it("keep the WAL bounded by the fallback when the worker does not run", async () => {
    const file = path.join(tempDir(), "app.db");
    const db = open(file, { checkpointIntervalMs: 0, checkpointFallbackPages: 50 });
    let largest = 0;
    // About 800 frames in all: 16 times the bound.
    await fill(db, 400, () => {
      largest = Math.max(largest, fs.statSync(`${file}-wal`).size);
    });
    // The bound, plus the commit that crossed it (a few pages), plus the header.
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(32 + (50 + 8) * FRAME);
    expect(await value(db, "SELECT count(*) FROM t")).toBe(400);
  });

  // Threads are counted in /proc/self/task, in a process of its own.
  it.skipIf(!fs.existsSync("/proc/self/task"))(
    "run on one thread per process, which closing the last database ends and which never keeps the process alive",
    async () => {
      const dir = tempDir();
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          fileURLToPath(new URL("../test/checkpoint-child.ts", import.meta.url)),
          dir,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      // A deadline for a hung child (a thread keeping it alive), not a measure of time.
      const code = await new Promise<number | string | null>((resolve) => {
        const deadline = setTimeout(() => {
          child.kill("SIGKILL");
          resolve("did not exit by itself");
        }, 60_000);
        child.on("exit", (exitCode) => {
          clearTimeout(deadline);
          resolve(exitCode);
        });
      });
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      const seen = JSON.parse(stdout) as {
        before: number;
        whileThreeOpen: number;
        afterThree: number;
        afterLoop: number;
        rows: number[];
        burstRows: number;
        left: string[];
      };
      expect(seen.whileThreeOpen).toBe(seen.before + 1);
      expect(seen.afterThree).toBe(seen.before);
      expect(seen.afterLoop).toBe(seen.before);
      expect(seen.rows).toEqual(Array(20).fill(50));
      expect(seen.burstRows).toBe(3000);
      expect(seen.left).toEqual([]);
    },
    90_000,
  );
});
