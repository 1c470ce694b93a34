// SQLite WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT
// that makes the WAL cross 1,000 pages, on the connection's thread: the server's one event loop,
// which then stalls for as long as the pages take to copy and the files to sync (up to 11 ms
// measured on a fast disk; the slowest 2% of COMMITs held half of all COMMIT time). Instead, one
// worker thread per process (checkpoint-worker.mjs) holds its own connection to each open SQLite
// file and checkpoints it (PASSIVE: never waits for, nor blocks, the writer or the readers)
// every `intervalMs`. Under a steady stream of commits, once the WAL holds CATCH_UP_PAGES the
// worker asks for a moment without commits: the main thread holds its connection's queue
// (statements wait their turn, the event loop runs on) while the worker copies what is left,
// so that the next transaction starts the WAL over (see checkpoint-worker.mjs). The main
// connection keeps SQLite's automatic checkpoint only as a bound, at `fallbackPages` (10 times
// SQLite's default), which a commit reaches only if the worker has fallen that far behind
// (stopped, or starved by a reader that keeps an old snapshot open); that checkpoint then
// copies only what the worker left.
//
// One worker serves every file of the process: a test suite or a CLI opening many databases
// starts one thread, not one each. It starts with the first file opened and stops when the last
// one closes; it is unref'd, so a database left open does not keep the process alive.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the worker checkpoints each file, in ms (see the defaults in connection.ts). */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 200;
/** The WAL size, in pages, past which a commit on the main connection checkpoints itself. */
export const DEFAULT_FALLBACK_PAGES = 10_000;
/**
 * The WAL size, in pages, at which the worker asks for a pass with no commit under it (16 MB).
 * Each catch-up holds the queue for a pass's two syncs: at 1,000 pages they came at every pass
 * under benchmark 4's load, and its p99 gap between deltas grew; at 4,000 it stayed as before.
 */
export const CATCH_UP_PAGES = 4000;

/** The main connection's queue (the SQLite driver's): held, no statement runs on it. */
export interface Queue {
  acquire(): Promise<void>;
  release(): void;
}

type FromWorker =
  | { type: "closed"; id: number }
  | { type: "behind"; id: number }
  | { type: "caught-up"; id: number }
  | { type: "error"; id: number; code: string; message: string };

interface Checkpointer {
  worker: Worker;
  /** The files registered on this worker, by id: their paths and queues. */
  files: Map<number, { file: string; queue: Queue }>;
  /** Who waits for the worker to confirm a file's connection closed. */
  closing: Map<number, () => void>;
  /** Whose queue is held until the worker has caught up on their file. */
  catchingUp: Map<number, () => void>;
  /** Resolves when the thread has ended, however it ended. */
  exited: Promise<void>;
  ended: boolean;
  /** How many closes and catch-ups await the thread: it is referenced while any does. */
  waiting: number;
}

const require = createRequire(import.meta.url);
let current: Checkpointer | null = null;
let lastId = 0;
let toldThreadDied = false;

// The thread is referenced while a close or a catch-up awaits it, so the process does not exit
// with them pending; unref'd otherwise.
function hold(checkpointer: Checkpointer): void {
  if (checkpointer.waiting++ === 0) checkpointer.worker.ref();
}

function letGo(checkpointer: Checkpointer): void {
  if (--checkpointer.waiting === 0) checkpointer.worker.unref();
}

function start(): Checkpointer {
  const worker = new Worker(new URL("./checkpoint-worker.mjs", import.meta.url), {
    workerData: { betterSqlite3: require.resolve("better-sqlite3") },
    // Not the parent's flags: no tsx loader (the file is JavaScript), no --cpu-prof.
    execArgv: [],
    // A small heap: the thread holds a few connections and timers.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
  });
  const checkpointer: Checkpointer = {
    worker,
    files: new Map(),
    closing: new Map(),
    catchingUp: new Map(),
    exited: new Promise((resolve) => worker.once("exit", () => resolve())),
    ended: false,
    waiting: 0,
  };
  worker.on("message", (message: FromWorker) => {
    if (message.type === "closed") {
      checkpointer.closing.get(message.id)?.();
    } else if (message.type === "behind") {
      void catchUp(checkpointer, message.id);
    } else if (message.type === "caught-up") {
      checkpointer.catchingUp.get(message.id)?.();
    } else {
      // Once per file and kind of error (the worker keeps trying on its interval).
      const file = checkpointer.files.get(message.id)?.file ?? "(closed)";
      console.error(
        `@agent-access/db: WAL checkpoint of ${file} failed (${message.code}): ${message.message}. ` +
          "Retrying; past the fallback size, commits checkpoint on the main thread.",
      );
    }
  });
  worker.on("error", (error) => {
    // The thread itself died (not a SQLite error, which it reports and survives). Said once a
    // process; its files keep the fallback, and the next file opened starts a new worker.
    if (toldThreadDied) return;
    toldThreadDied = true;
    console.error(
      `@agent-access/db: the WAL checkpoint thread stopped (${error.message}); ` +
        "checkpoints fall back to commits on the main thread.",
    );
  });
  void checkpointer.exited.then(() => {
    checkpointer.ended = true;
    if (current === checkpointer) current = null;
    for (const done of checkpointer.closing.values()) done();
    checkpointer.closing.clear();
    for (const done of checkpointer.catchingUp.values()) done();
    checkpointer.catchingUp.clear();
  });
  // After the listeners: adding a "message" listener references the thread again.
  worker.unref();
  return checkpointer;
}

/** A file's registration with the worker: `stop` closes the worker's connection to it. */
export interface Checkpoints {
  /** Resolves once the worker's connection is closed (and the worker ended, if it was the last). */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `file` (an absolute path to a WAL database) every `intervalMs`; `queue`
 * is its main connection's, held while the worker catches up.
 */
export function startCheckpoints(file: string, intervalMs: number, queue: Queue): Checkpoints {
  const checkpointer = current ?? start();
  current = checkpointer;
  const id = ++lastId;
  checkpointer.files.set(id, { file, queue });
  checkpointer.worker.postMessage({
    type: "open",
    id,
    file,
    intervalMs,
    catchUpPages: CATCH_UP_PAGES,
  });
  let stopped: Promise<void> | null = null;
  return {
    stop() {
      stopped ??= stop(checkpointer, id);
      return stopped;
    },
  };
}

// Holds the file's queue (after the transaction in progress, if any) while the worker runs one
// pass: with no commit under it, the pass copies the whole WAL. Ends when the worker says so,
// ends, or the file is closed (its queue no longer matters).
async function catchUp(checkpointer: Checkpointer, id: number): Promise<void> {
  const registered = checkpointer.files.get(id);
  if (!registered || checkpointer.catchingUp.has(id)) return;
  const caughtUp = new Promise<void>((resolve) => checkpointer.catchingUp.set(id, resolve));
  await registered.queue.acquire();
  // Statements wait for the worker's answer: the process must too.
  hold(checkpointer);
  try {
    if (checkpointer.files.has(id) && !checkpointer.ended) {
      checkpointer.worker.postMessage({ type: "catch-up", id });
      await caughtUp;
    }
  } finally {
    checkpointer.catchingUp.delete(id);
    letGo(checkpointer);
    registered.queue.release();
  }
}

async function stop(checkpointer: Checkpointer, id: number): Promise<void> {
  if (!checkpointer.files.delete(id) || checkpointer.ended) return;
  // A catch-up in progress lets go of the queue: the connection is closing.
  checkpointer.catchingUp.get(id)?.();
  hold(checkpointer);
  try {
    const closed = new Promise<void>((resolve) => checkpointer.closing.set(id, resolve));
    checkpointer.worker.postMessage({ type: "close", id });
    // The exit handler resolves it too, should the thread end first.
    await closed;
    checkpointer.closing.delete(id);
    if (checkpointer.files.size === 0) {
      // The last file: the thread ends (a file opened meanwhile starts a new one).
      if (current === checkpointer) current = null;
      await checkpointer.worker.terminate();
    }
  } finally {
    letGo(checkpointer);
  }
}
