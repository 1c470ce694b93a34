// The runs this process drives, one per context: started after the commit that began or resumed
// a run, stopped on cancel, delete and shutdown.
import { unfinishedRunOf } from "@agent-access/db";
import type { HostContext } from "../types.ts";
import type { Engine } from "./engine.ts";
import { RunDriver } from "./run-driver.ts";

export class RunDrivers {
  private readonly byContext = new Map<string, RunDriver>();

  constructor(private readonly engine: Engine) {}

  /** Drives the stored run `runId` in the background, for a session with `hostContext`. */
  start(runId: string, hostContext?: HostContext): void {
    const driver = RunDriver.load(this.engine, runId, hostContext).start();
    this.byContext.set(driver.contextId, driver);
    void driver.done.then(() => {
      // A resumed run may already have a newer driver here; leave that one be.
      if (this.byContext.get(driver.contextId) === driver) this.byContext.delete(driver.contextId);
    });
  }

  /** True while this process drives a run of the context. */
  drives(contextId: string): boolean {
    return this.byContext.has(contextId);
  }

  /** The ids of the runs this process drives. */
  runIds(): Set<string> {
    return new Set([...this.byContext.values()].map((driver) => driver.run.id));
  }

  /**
   * Stops the context's unfinished run, whether this process drives it or it is waiting, and
   * resolves once it is recorded cancelled. False when there was none.
   */
  async stop(contextId: string): Promise<boolean> {
    let stopped = false;
    for (
      let driver = this.byContext.get(contextId);
      driver;
      driver = this.byContext.get(contextId)
    ) {
      driver.abort("cancel");
      await driver.done;
      if (this.byContext.get(contextId) === driver) this.byContext.delete(contextId);
      stopped = true;
    }
    const run = unfinishedRunOf(this.engine.db, contextId);
    if (run) {
      RunDriver.load(this.engine, run.id).finish("cancelled");
      stopped = true;
    }
    return stopped;
  }

  /** Shutdown: aborts every driven run (recorded interrupted) and waits for them to stop. */
  async abortAll(): Promise<void> {
    const running = [...this.byContext.values()];
    for (const driver of running) driver.abort("shutdown");
    await Promise.all(running.map((driver) => driver.done));
  }
}
