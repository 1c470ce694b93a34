// The demo agent: answers questions about the webhooks of the workspace a conversation belongs
// to, retries failed deliveries with the user's approval, and asks when something is unclear.
import fs from "node:fs/promises";
import path from "node:path";
import { type AgentDefinition, askUser, defineAgent, type HostContext } from "@agent-access/agents";
import { notesFileOf, workspaceNotesServer } from "./notes.ts";
import { getWebhookHealth, retryFailedDeliveries } from "./tools.ts";

const INSTRUCTIONS = [
  "You are the workspace assistant of a webhook delivery service.",
  "Answer questions about the webhooks of the user's workspace with getWebhookHealth; quote numbers from its result, never invent them.",
  "Retry failed deliveries with retryFailedDeliveries only when the user asks for it; the user approves each call.",
  "When a request is ambiguous (for example which endpoint is meant), use askUser.",
  "Be brief.",
];

/** Facts from the host context, for the prompt: only strings the demo's door puts there. */
function aboutTheUser(hostContext: HostContext): string[] {
  const text = (key: string) => {
    const value = hostContext[key];
    return typeof value === "string" && value.trim() ? value.trim().slice(0, 200) : null;
  };
  const lines: string[] = [];
  const name = text("userName");
  const workspace = text("workspaceName");
  if (name) lines.push(`You are talking to ${name}; greet them by name in your first reply.`);
  if (workspace) lines.push(`Their workspace is called "${workspace}"; call it by that name.`);
  const role = text("role");
  if (role) lines.push(`They are its ${role}.`);
  return lines;
}

export interface WorkspaceAssistantOptions {
  /**
   * Where the notes MCP server keeps one file per context group; without it the assistant has
   * no notes (as in most tests, which then start no server process).
   */
  notesDir?: string;
}

/** The demo agent, with notes (an MCP server) when `notesDir` is given. */
export function createWorkspaceAssistant(options: WorkspaceAssistantOptions = {}): AgentDefinition {
  return defineAgent({
    id: "workspace-assistant",
    name: "Workspace assistant",
    description: "Answers questions about this workspace's webhooks.",
    instructions: ({ hostContext }) =>
      [
        ...INSTRUCTIONS,
        ...aboutTheUser(hostContext),
        ...(options.notesDir
          ? [
              "Keep notes the user asks you to remember with the notes tools (one entity per topic, the note as an observation), and look them up there when asked.",
            ]
          : []),
      ].join("\n"),
    tools: { getWebhookHealth, retryFailedDeliveries, askUser },
    starterPrompts: [
      "How healthy are my webhooks?",
      "Please retry the failed deliveries",
      "Ask me a question",
    ],
    ...(options.notesDir ? { mcpServers: [workspaceNotesServer(options.notesDir)] } : {}),
  });
}

export const workspaceAssistant = createWorkspaceAssistant();

/** What the demo's notes read from the environment. */
export interface NotesEnv {
  AGENT_NOTES_DIR?: string;
  DATABASE_PATH: string;
}

/**
 * The demo assistant's notes folder: AGENT_NOTES_DIR, by default a `notes` folder beside the
 * database file; undefined when AGENT_NOTES_DIR is "off".
 */
export function demoNotesDirOf(env: NotesEnv): string | undefined {
  return env.AGENT_NOTES_DIR === "off"
    ? undefined
    : (env.AGENT_NOTES_DIR ?? path.join(path.dirname(env.DATABASE_PATH), "notes"));
}

/**
 * A group erasure's step for the demo: removes the group's notes file, if notes are on (the
 * server's onGroupErased hook calls it after the group's rows are gone).
 */
export function demoNotesErasure(env: NotesEnv): ((group: string) => Promise<void>) | undefined {
  const notesDir = demoNotesDirOf(env);
  if (notesDir === undefined) return undefined;
  return (group) => fs.rm(notesFileOf(path.resolve(notesDir), group), { force: true });
}

/**
 * The agents with the demo's assistant given its notes, kept under `notesDir` unless that is
 * "off"; default: a `notes` folder beside the database file (AGENT_NOTES_DIR).
 */
export function withDemoNotes(
  agents: readonly AgentDefinition[],
  env: NotesEnv,
): AgentDefinition[] {
  const notesDir = demoNotesDirOf(env);
  return agents.map((agent) =>
    agent.id === workspaceAssistant.id ? createWorkspaceAssistant({ notesDir }) : agent,
  );
}
