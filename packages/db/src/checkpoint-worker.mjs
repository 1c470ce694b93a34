// @ts-check
// The checkpointer thread (started by checkpoint.ts): its own better-sqlite3 connection to each
// SQLite file the process has open, on which it runs `PRAGMA wal_checkpoint(PASSIVE)` every
// `intervalMs`. PASSIVE copies what it can and never waits for, nor blocks, the writer or the
// readers; a busy checkpoint is simply tried again on the next tick. Plain JavaScript, so it
// loads as it is under tsx, vitest and plain node alike (the thread is started without tsx).
//
// Under a steady stream of commits a pass rarely ends with nothing left (a commit lands while
// it syncs), and SQLite starts the WAL over only at a write that finds it all copied: the WAL
// would grow to the main connection's fallback. So once a pass finds `catchUpPages` or more in
// it, this thread says it is "behind"; the main thread then holds its queue (statements wait,
// the event loop does not), sends "catch-up", and this thread runs one more pass, which copies
// the little left with no commit under it; the next transaction starts the WAL over.
//
// Messages in: { type: "open", id, file, intervalMs, catchUpPages }, { type: "catch-up", id }
// and { type: "close", id }. Messages out: { type: "behind", id } (once until the next
// catch-up), { type: "caught-up", id }, { type: "closed", id } once the connection is closed
// (a close during a checkpoint waits for it: this thread runs one thing at a time), and
// { type: "error", id, code, message } the first time each kind of error happens on a file
// (it keeps trying).
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";

/** @type {typeof import("better-sqlite3")} */
const Database = createRequire(import.meta.url)(workerData.betterSqlite3);
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

/**
 * @typedef {{ sqlite: import("better-sqlite3").Database, timer: NodeJS.Timeout,
 *   reported: Set<string>, behind: boolean, caughtUpAt: number }} Entry
 */
/** @type {Map<number, Entry>} */
const open = new Map();

// SQLITE_BUSY: another connection checkpoints (a second process on the file). SQLITE_LOCKED
// cannot happen without shared cache, but means the same.
const RETRY = /^SQLITE_(BUSY|LOCKED)/;

/** @param {number} id @param {Set<string>} reported @param {unknown} error */
function report(id, reported, error) {
  const code = String(/** @type {{ code?: unknown }} */ (error)?.code ?? "error");
  if (RETRY.test(code) || reported.has(code)) return;
  reported.add(code);
  const message = error instanceof Error ? error.message : String(error);
  port.postMessage({ type: "error", id, code, message });
}

/**
 * One PASSIVE pass; the frames in the WAL and how many of them are in the file, or null.
 * @param {number} id @param {Entry} entry
 */
function checkpoint(id, entry) {
  try {
    const [row] = /** @type {{ log: number, checkpointed: number }[]} */ (
      entry.sqlite.pragma("wal_checkpoint(PASSIVE)")
    );
    return row ?? null;
  } catch (error) {
    report(id, entry.reported, error);
    return null;
  }
}

port.on("message", (/** @type {any} */ message) => {
  if (message.type === "open") {
    const { id, file, intervalMs, catchUpPages } = message;
    /** @type {Set<string>} */
    const reported = new Set();
    let sqlite;
    try {
      // Never creates the file (the main connection has); no busy wait: PASSIVE does not wait.
      sqlite = new Database(file, { fileMustExist: true, timeout: 0 });
      // The checkpoint syncs as this connection's setting says: the same as the main one.
      sqlite.pragma("synchronous = NORMAL");
    } catch (error) {
      report(id, reported, error);
      return;
    }
    const entry = /** @type {Entry} */ ({ sqlite, reported, behind: false, caughtUpAt: 0 });
    entry.timer = setInterval(() => {
      const done = checkpoint(id, entry);
      // `log` is what the pass saw at its start, all copied unless a reader holds an older
      // snapshot: its size says whether the WAL was started over since, not what is left.
      // Not again for a WAL that no commit has touched since the last catch-up (the next
      // write starts it over).
      if (
        done &&
        catchUpPages > 0 &&
        done.log >= catchUpPages &&
        done.log !== entry.caughtUpAt &&
        !entry.behind
      ) {
        entry.behind = true;
        port.postMessage({ type: "behind", id });
      }
    }, intervalMs);
    open.set(id, entry);
  } else if (message.type === "catch-up") {
    const entry = open.get(message.id);
    if (entry) {
      entry.caughtUpAt = checkpoint(message.id, entry)?.log ?? 0;
      entry.behind = false;
    }
    port.postMessage({ type: "caught-up", id: message.id });
  } else if (message.type === "close") {
    const entry = open.get(message.id);
    open.delete(message.id);
    if (entry) {
      clearInterval(entry.timer);
      try {
        // The last connection to close checkpoints what is left and removes the -wal file.
        entry.sqlite.close();
      } catch (error) {
        report(message.id, entry.reported, error);
      }
    }
    port.postMessage({ type: "closed", id: message.id });
  }
});
