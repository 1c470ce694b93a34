// The reference page's custom-UI example ("Run Agents Inside Your App", Option 2), unchanged
// apart from the import. It is also the example of this package's README.
// biome-ignore-all lint/a11y/useButtonType: the reference page's code, kept exactly as published.
import { useAgentContext, useAgentContexts, useAgentSession } from "../src/index.ts";

export function AgentChat({ ticket }: { ticket: string }) {
  const { hasSession, sessionLoading, activeAgent, contextGroup } = useAgentSession(ticket);
  const { contexts, createContext } = useAgentContexts({ enabled: hasSession });

  const currentContextId = contexts[0]?.id;
  const { messages, sendMessage, isExecuting } = useAgentContext({
    contextId: currentContextId || "",
    agentName: activeAgent?.name || "",
  });

  if (sessionLoading) return <div>Loading agent session...</div>;
  if (!hasSession) return <div>No valid agent session.</div>;

  return (
    <div>
      <div>Context group: {contextGroup}</div>
      <button onClick={() => createContext({ title: "New support chat" })}>New chat</button>
      <button
        disabled={!currentContextId || isExecuting}
        onClick={() => sendMessage("Summarize this workspace's current webhook health")}
      >
        Ask agent
      </button>
      <pre>{JSON.stringify(messages, null, 2)}</pre>
    </div>
  );
}
