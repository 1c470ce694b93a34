// A process of its own for checkpoint.test.ts: counts its threads (Linux's /proc/self/task)
// while SQLite files are open and after they are closed, prints what it saw as one JSON line,
// then leaves one database open and returns: the process must still exit by itself.
import fs from "node:fs";
import path from "node:path";
import { closeDatabase, type Db, openDatabase, run, value } from "../src/index.ts";

const dir = process.argv[2]!;
const threads = () => fs.readdirSync("/proc/self/task").length;

/**
 * The thread count once it is back at `target`, or as it is after 2 s: a worker's thread leaves
 * /proc/self/task a moment after the worker has stopped, so a count taken at once may still
 * hold it. A thread that never ends still shows.
 */
async function threadsBackTo(target: number): Promise<number> {
  for (let i = 0; i < 100 && threads() !== target; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return threads();
}

async function fill(db: Db, rows: number): Promise<void> {
  await run(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB)");
  for (let i = 0; i < rows; i++) await run(db, "INSERT INTO t (v) VALUES (randomblob(4000))");
}

// Warm up whatever a first database starts once per process (not the checkpointer).
const warm = openDatabase(":memory:");
await fill(warm, 1);
await closeDatabase(warm);
const before = threads();

// Three files at once: one checkpoint thread between them.
const three = [0, 1, 2].map((i) => openDatabase(path.join(dir, `three-${i}.db`)));
for (const db of three) await fill(db, 5);
const whileThreeOpen = threads();
for (const db of three) await closeDatabase(db);
const afterThree = await threadsBackTo(before);

// Opened, written (a checkpoint may be running when it closes), closed twice, in a loop.
const rows: number[] = [];
for (let i = 0; i < 20; i++) {
  const file = path.join(dir, `loop-${i}.db`);
  const db = openDatabase(file);
  await fill(db, 50);
  await closeDatabase(db);
  await closeDatabase(db);
  const again = openDatabase(file, { checkpointIntervalMs: 0 });
  rows.push(Number(await value(again, "SELECT count(*) FROM t")));
  await closeDatabase(again);
}

// Commits at every turn of the event loop: the worker asks the main thread to hold its queue
// while it catches up, and statements then wait for its answer (the process too).
const burst = openDatabase(path.join(dir, "burst.db"), { checkpointIntervalMs: 20 });
await run(burst, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
for (let i = 0; i < 3000; i++) {
  await run(burst, "INSERT INTO t (v) VALUES (randomblob(4000))");
  await new Promise((resolve) => setImmediate(resolve));
}
const burstRows = Number(await value(burst, "SELECT count(*) FROM t"));
await closeDatabase(burst);
const afterLoop = await threadsBackTo(before);
// What is left beside the files: nothing, once every connection has closed.
const left = fs.readdirSync(dir).filter((name) => !name.endsWith(".db"));

process.stdout.write(
  `${JSON.stringify({ before, whileThreeOpen, afterThree, afterLoop, rows, burstRows, left })}\n`,
);

// Left open: the checkpoint thread must not keep the process alive.
await fill(openDatabase(path.join(dir, "left-open.db")), 5);
