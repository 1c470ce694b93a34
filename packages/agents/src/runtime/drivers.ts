// The runs this process drives, one per context: started after the commit that began or resumed
// a run (which leased the run to this instance), stopped on cancel, delete and shutdown.
//
// Across instances sharing a PostgreSQL database, each running run is owned through its lease
// (runs.ts): this instance renews the leases of the runs it drives on a heartbeat, and sweeps for
// runs whose lease lapsed (their instance died) to mark them interrupted. A cancel of a run
// driven elsewhere is recorded on the run and announced on RUN_CANCEL_CHANNEL; the owner stops
// it and records it cancelled, or, if the owner is gone, the canceller ends it itself.

import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  dialectOf,
  getRun,
  isDatabaseClosed,
  isDatabaseUnavailable,
  notify,
  type RunClaim,
  type RunRow,
  releaseLeases,
  renewLeases,
  requestRunCancel,
  runsWithLapsedLease,
  runsWithStatus,
  transaction,
  unfinishedRunOf,
} from "@agent-access/db";
import { AgentRuntimeError } from "../errors.ts";
import type { HostContext } from "../types.ts";
import { type Engine, leaseOf } from "./engine.ts";
import {
  INTERRUPTED_ERROR,
  RUN_CANCEL_CHANNEL,
  RUN_STOPPED_CHANNEL,
  RunDriver,
} from "./run-driver.ts";
import type { BegunRun } from "./turns.ts";

export interface RunDriversOptions {
  /** How often leases are renewed and lapsed ones swept, in ms. */
  heartbeatMs: number;
}

/** How often a canceller reads a run driven elsewhere again, between notifications. */
const STOP_POLL_MS = 250;

export class RunDrivers {
  private readonly byContext = new Map<string, RunDriver>();
  /** Runs being loaded to be driven here, by run id: leased to this instance already. */
  private readonly starting = new Map<string, Promise<void>>();
  /** Who waits for a run driven elsewhere to stop running, by run id. */
  private readonly stopWaiters = new Map<string, Set<() => void>>();
  /** Stops hearing the channels; empty until this instance first drives or waits for a run. */
  private unlisten: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> = Promise.resolve();
  private closed = false;
  /** Whether this instance ever took a run (so may hold a lease). */
  private leased = false;

  constructor(
    private readonly engine: Engine,
    private readonly options: RunDriversOptions,
  ) {
    this.schedule();
  }

  /**
   * Hears requests to stop runs driven here and news of runs stopping elsewhere. Only from the
   * first run driven or waited for: an instance that serves no run holds no session for it.
   */
  private listen(): void {
    if (this.unlisten.length > 0 || this.closed) return;
    const { listener } = this.engine;
    this.unlisten = [
      // Payloads come from every schema on the database: an unknown run id is not ours.
      listener.on(RUN_CANCEL_CHANNEL, (runId) => this.driverOfRun(runId)?.abort("cancel")),
      listener.on(RUN_STOPPED_CHANNEL, (runId) => this.wake(runId)),
      // Notifications sent while the session was down are lost: whoever waits reads again.
      listener.onReconnect(() => {
        for (const runId of [...this.stopWaiters.keys()]) this.wake(runId);
      }),
    ];
  }

  /**
   * Drives a run in the background, for a session with `hostContext`: the stored run `runId`
   * (read first), or a run whose commit just began it, driven at once with no read. A begun run
   * gets one turn of the event loop before this resolves, so that the request that began it
   * answers after the run's first output where that needs no I/O (a local model on SQLite): the
   * first token is what the user waits for, and the request's answer would otherwise be
   * serialized and written ahead of it.
   */
  async start(run: string | BegunRun, hostContext?: HostContext): Promise<void> {
    this.leased = true;
    this.listen();
    if (typeof run !== "string") {
      await this.adopt(RunDriver.begun(this.engine, run, hostContext));
      await yieldToEventLoop();
      return;
    }
    const runId = run;
    const started = this.load(runId, hostContext);
    this.starting.set(runId, started);
    try {
      await started;
    } finally {
      this.starting.delete(runId);
    }
  }

  private async load(runId: string, hostContext?: HostContext): Promise<void> {
    await this.adopt(await RunDriver.load(this.engine, runId, hostContext));
  }

  /** Starts `driver` and keeps it as its context's, unless the engine is shutting down. */
  private async adopt(driver: RunDriver): Promise<void> {
    if (this.closed) {
      // Shutting down: the run was begun as the engine closed; it ends here, not half-driven.
      await driver.finish("interrupted", INTERRUPTED_ERROR);
      return;
    }
    driver.start();
    this.byContext.set(driver.contextId, driver);
    // Another instance asked to stop it before this one drove it.
    if (driver.run.cancel_requested_at !== null) driver.abort("cancel");
    void driver.done.then(() => {
      // A resumed run may already have a newer driver here; leave that one be.
      if (this.byContext.get(driver.contextId) === driver) this.byContext.delete(driver.contextId);
    });
  }

  /** True while this process drives a run of the context. */
  drives(contextId: string): boolean {
    return this.byContext.has(contextId);
  }

  /** True while this process drives the run `runId` or is about to. */
  holds(runId: string): boolean {
    return this.starting.has(runId) || this.driverOfRun(runId) !== undefined;
  }

  private driverOfRun(runId: string): RunDriver | undefined {
    for (const driver of this.byContext.values()) if (driver.run.id === runId) return driver;
    return undefined;
  }

  /** The ids of the runs this process drives or is about to. */
  private heldRunIds(): string[] {
    return [...new Set([...this.starting.keys(), ...this.runIds()])];
  }

  /** The ids of the runs this process drives. */
  runIds(): Set<string> {
    return new Set([...this.byContext.values()].map((driver) => driver.run.id));
  }

  /**
   * Ends the running run `runId` as interrupted if `claim` holds (`expired`: its lease lapsed;
   * `running`: whoever holds it); false when it did not, or another instance ended it first.
   */
  async interrupt(runId: string, claim: Extract<RunClaim, "expired" | "running">) {
    return (await RunDriver.load(this.engine, runId)).finish(
      "interrupted",
      INTERRUPTED_ERROR,
      claim,
    );
  }

  /**
   * Interrupts the running runs no live instance holds: on PostgreSQL those whose lease lapsed;
   * on SQLite, one process, every running run this process does not drive (start-up after a
   * crash). Returns their ids.
   */
  async interruptAbandoned(): Promise<string[]> {
    const postgres = dialectOf(this.engine.db) === "postgres";
    const runs = postgres
      ? await runsWithLapsedLease(this.engine.db)
      : await runsWithStatus(this.engine.db, "running");
    const interrupted: string[] = [];
    for (const run of runs) {
      if (this.holds(run.id)) continue;
      if (await this.interrupt(run.id, postgres ? "expired" : "running")) {
        interrupted.push(run.id);
      }
    }
    return interrupted;
  }

  /**
   * Stops the context's unfinished run, wherever it is, and resolves once it is recorded ended
   * (cancelled, or however it ended first). A run this process drives is aborted; a waiting one
   * is recorded cancelled; one another live instance drives is asked to stop (that instance
   * records it cancelled), and one whose instance is gone (lease lapsed) is recorded cancelled
   * here. False when there was none. CONFLICT if a run driven elsewhere does not stop within a
   * lease and a few seconds.
   */
  async stop(contextId: string): Promise<boolean> {
    const deadline = Date.now() + this.engine.leaseMs + 5_000;
    const requested = new Set<string>();
    let stopped = false;
    for (;;) {
      const driver = this.byContext.get(contextId);
      if (driver) {
        driver.abort("cancel");
        await driver.done;
        if (this.byContext.get(contextId) === driver) this.byContext.delete(contextId);
        stopped = true;
        continue;
      }
      const run = await unfinishedRunOf(this.engine.db, contextId);
      if (!run) return stopped;
      const starting = this.starting.get(run.id);
      if (starting) {
        await starting.catch(() => {});
        continue;
      }
      if (await this.cancelUndriven(run)) return true;
      this.listen();
      // Driven by a live instance (or changed meanwhile): ask its owner, then read it again.
      if (run.status === "running" && !requested.has(run.id)) {
        requested.add(run.id);
        await transaction(this.engine.db, async (tx) => {
          if (await requestRunCancel(tx, run.id, this.engine.now())) {
            await notify(tx, RUN_CANCEL_CHANNEL, run.id);
          }
        });
      }
      if (Date.now() > deadline) {
        throw new AgentRuntimeError(
          "CONFLICT",
          "The reply did not stop in time; try stopping it again in a moment.",
        );
      }
      await this.stopped(run.id, STOP_POLL_MS);
      stopped = true;
    }
  }

  /**
   * Records cancelled a run no live instance drives: waiting for an answer, or running with a
   * lapsed lease. False when it is neither (any longer).
   */
  private async cancelUndriven(run: RunRow): Promise<boolean> {
    const claim: RunClaim = run.status === "running" ? "expired" : "waiting";
    return (await RunDriver.load(this.engine, run.id)).finish("cancelled", undefined, claim);
  }

  /** Resolves when the run is said to have stopped running, or after `ms`. */
  private stopped(runId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.stopWaiters.get(runId);
      if (!waiters) {
        waiters = new Set();
        this.stopWaiters.set(runId, waiters);
      }
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.stopWaiters.get(runId) === waiters) {
          this.stopWaiters.delete(runId);
        }
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  private wake(runId: string): void {
    for (const done of [...(this.stopWaiters.get(runId) ?? [])]) done();
  }

  private schedule(): void {
    // A database closed under a runtime never closed (a test's) leaves nothing to renew.
    if (this.closed || isDatabaseClosed(this.engine.db)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick = this.heartbeat().finally(() => this.schedule());
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  /**
   * Renews the leases of the runs driven here (a driver whose run is no longer this instance's
   * stops; one asked to stop is aborted), then interrupts runs whose lease lapsed. A database
   * that cannot be reached is the health check's and the requests' to report: the next beat
   * tries again.
   */
  private async heartbeat(): Promise<void> {
    try {
      const held = this.heldRunIds();
      const renewed = new Map(
        (await renewLeases(this.engine.db, leaseOf(this.engine), held)).map((row) => [
          row.id,
          row.cancel_requested_at,
        ]),
      );
      for (const driver of this.byContext.values()) {
        if (!held.includes(driver.run.id)) continue;
        if (!renewed.has(driver.run.id)) {
          // Its run may have ended (or paused) by itself since `held` was taken: look first.
          const row = await getRun(this.engine.db, driver.run.id);
          if (row?.status === "running" && row.owner !== this.engine.instanceId) {
            driver.abort("lost");
          }
        } else if (renewed.get(driver.run.id) !== null) {
          driver.abort("cancel");
        }
      }
      if (this.closed) return;
      for (const run of await runsWithLapsedLease(this.engine.db)) {
        if (this.closed) return;
        if (this.holds(run.id)) continue;
        await this.interrupt(run.id, "expired");
      }
    } catch (error) {
      if (!isDatabaseUnavailable(error) && !isDatabaseClosed(this.engine.db)) {
        this.engine.onError(error);
      }
    }
  }

  /**
   * Shutdown: stops the heartbeat and the sweep, aborts every driven run (recorded interrupted)
   * and waits for them to stop, then gives up any lease still held so that another instance
   * ends those runs at once.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const stop of this.unlisten.splice(0)) stop();
    await this.tick;
    await Promise.all([...this.starting.values()].map((started) => started.catch(() => {})));
    const running = [...this.byContext.values()];
    for (const driver of running) driver.abort("shutdown");
    await Promise.all(running.map((driver) => driver.done));
    for (const runId of [...this.stopWaiters.keys()]) this.wake(runId);
    if (!this.leased || isDatabaseClosed(this.engine.db)) return;
    try {
      await releaseLeases(this.engine.db, this.engine.instanceId);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) this.engine.onError(error);
    }
  }
}
