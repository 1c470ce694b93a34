// Run as a child process by recovery.test.ts: answers one message, then starts a long reply on
// the given database file and prints a line once a few deltas are committed, so that the parent
// can SIGKILL it mid-reply.
import { openDatabase } from "@agent-access/db";
import { createAgentRuntime, createBuiltinModel } from "../src/index.ts";
import { AGENT, testAgents } from "./harness.ts";

const [file, contextGroup] = process.argv.slice(2) as [string, string];
const scope = { contextGroup, agentIds: [AGENT] };
const runtime = createAgentRuntime({
  db: openDatabase(file),
  agents: testAgents,
  model: createBuiltinModel({ tokenDelayMs: 5 }),
  deltaFlushMs: 20,
});

const { context, sent } = await runtime.createContext(scope, {
  agentId: AGENT,
  firstMessage: "hello",
});
for await (const { event } of runtime.events(scope, context.id)) {
  if (event.type === "run.finished" && event.runId === sent?.runId) break;
}
const { lastEventId } = await runtime.getContext(scope, context.id);
const long = await runtime.send(scope, context.id, { text: "stream 5000 words" });
let deltas = 0;
for await (const { event } of runtime.events(scope, context.id, { afterSeq: lastEventId })) {
  if (event.type === "message.delta" && ++deltas === 5) {
    process.stdout.write(`${JSON.stringify({ contextId: context.id, runId: long.runId })}\n`);
  }
}
