import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { get, value } from "@agent-access/db";
import { afterEach, describe, expect, it } from "vitest";
import {
  AGENT,
  eventsUntil,
  fullLog,
  runFinished,
  setup,
  teardown,
  tempDbFile,
  textOf,
} from "../../test/harness.ts";

afterEach(teardown);

const childScript = fileURLToPath(new URL("../../test/crash-child.ts", import.meta.url));

describe("recovery", () => {
  it("after a process is killed mid-reply, keeps every committed message and marks the run interrupted", async () => {
    const file = tempDbFile();
    const { scope, db, restart } = await setup({ file });
    const child = spawn(
      process.execPath,
      ["--import", "tsx", childScript, file, scope.contextGroup],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = once(child, "exit");
    const lines = createInterface({ input: child.stdout! });
    const [line] = (await Promise.race([
      once(lines, "line"),
      exited.then(() => {
        throw new Error("the child process ended before it reported progress");
      }),
    ])) as [string];
    child.kill("SIGKILL");
    await exited;
    const { contextId, runId } = JSON.parse(line) as { contextId: string; runId: string };

    // As the crash left it: the run still "running", the reply partly written.
    expect(await value(db, "SELECT status FROM run WHERE id = ?", [runId])).toBe("running");
    const runtime = restart();
    expect(await runtime.recover()).toEqual({ interruptedRunIds: [runId] });
    expect(await runtime.recover()).toEqual({ interruptedRunIds: [] });

    const { items } = await runtime.listMessages(scope, contextId, { limit: 10 });
    expect(items.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(textOf(items[0])).toBe("hello");
    expect(textOf(items[1])).toMatch(/^I am the built-in development model/);
    expect(textOf(items[2])).toBe("stream 5000 words");
    const partial = textOf(items[3]);
    expect(partial.split(" ").length).toBeGreaterThanOrEqual(5);
    expect(partial.split(" ").length).toBeLessThan(5000);

    // The log agrees with the messages: its deltas add up to the stored partial text.
    const log = await fullLog(runtime, scope, contextId);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const replyText = log
      .flatMap(({ event }) =>
        event.type === "message.delta" && event.messageId === items[3]!.id
          ? [event.text]
          : event.type === "message.part" &&
              event.messageId === items[3]!.id &&
              event.part.type === "text"
            ? [event.part.text]
            : [],
      )
      .join("");
    expect(replyText).toBe(partial);
    expect(log.slice(-3).map((e) => e.event)).toEqual([
      { type: "message.completed", messageId: items[3]!.id },
      expect.objectContaining({ type: "run.finished", runId, status: "interrupted" }),
      expect.objectContaining({ type: "context.updated", status: "idle" }),
    ]);
    expect(await get(db, "SELECT status, error FROM run WHERE id = ?", [runId])).toEqual({
      status: "interrupted",
      error: expect.stringMatching(/send your message again/),
    });

    // The conversation goes on.
    const next = await runtime.send(scope, contextId, { text: "hello again" });
    await eventsUntil(runtime, scope, contextId, runFinished(next.runId));
  });

  it("on shutdown, records running runs as interrupted and ends event streams", async () => {
    const { runtime, scope, db } = await setup({ tokenDelayMs: 2 });
    const { context, sent } = await runtime.createContext(scope, {
      agentId: AGENT,
      firstMessage: "stream 3000 words",
    });
    const stream = (async () => {
      let last = "";
      for await (const { event } of await runtime.events(scope, context.id)) last = event.type;
      return last;
    })();
    await eventsUntil(runtime, scope, context.id, (event) => event.type === "message.delta");
    await runtime.close();
    expect(await stream).toBe("context.updated");
    expect(await value(db, "SELECT status FROM run WHERE id = ?", [sent!.runId])).toBe(
      "interrupted",
    );
    await expect(runtime.send(scope, context.id, { text: "hi" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });
});
