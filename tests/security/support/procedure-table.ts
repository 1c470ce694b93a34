// One entry per procedure of the router, for every generated test of the security suite: how
// the isolation matrix probes it (its door, or why it is exempt), and a valid example input
// (where the fuzzer starts from, and what the cross-origin test forges). The suite enumerates
// the router's own procedures, so a procedure added without an entry fails each of those tests
// with a message naming it and the file to edit.
// This file holds the framework's procedures. An app's routers (app.config.ts) bring their rows
// as a row set that lives with the app and is registered in app-rows.ts: the workspace demo's are
// in examples/workspace-demo/security/rows.ts, and `pnpm remove-demo` removes them with it.
import { TEST_AGENT } from "@agent-access/agents/testing";
import type { CookieClient } from "../../../apps/server/test/harness.ts";
import { APP_ROUTERS, APP_ROW_SETS } from "./app-rows.ts";
import type { Json } from "./hostile.ts";
import type { Target } from "./scenes.ts";

export const PROCEDURE_TABLE_FILE = "tests/security/support/procedure-table.ts";
export const APP_ROWS_FILE = "tests/security/support/app-rows.ts";

/** The ids of an app's own data a signed-in owner made (AppRowSet.own), by name. */
export type AppIds = Readonly<Record<string, string>>;

/** The ids an example may use: the calling file's own user, app data, conversations, ticket. */
export interface Scene {
  user: { email: string; password: string };
  /** The user's own app data (every row set's `own`), e.g. the demo's `workspaceId`. */
  app: AppIds;
  /** The caller's conversations (scenes.ts): idle, waiting for approval, waiting for input. */
  idle: Target;
  approval: Target;
  input: Target;
  /** A ticket not yet exchanged. */
  ticket: string;
}

/** What the isolation matrix needs to know of a session it probes from. */
export interface IntruderKind {
  /** A live session (of another group, user or agent set) gets NOT_FOUND; a dead one UNAUTHORIZED. */
  live: boolean;
  /** Whether its agents include the victims' agent, so that context.create could name it. */
  hasAgent: boolean;
}

export type IsolationDoor =
  /** Names an agent conversation by id: probed from every agent intruder on every target. */
  | {
      door: "agent";
      input: (target: Target) => Json;
      /** Which intruders to probe from; default all. */
      from?: (intruder: IntruderKind) => boolean;
    }
  /**
   * Names a signed-in user's own app data by id (the ids of the row sets' `own`): probed from
   * other users, stale and missing sign-ins, and agent sessions without a sign-in.
   */
  | { door: "user"; input: (app: AppIds) => Json }
  /** Takes no id of anyone's data, with the reason. */
  | { exempt: string };

export interface ProcedureEntry {
  isolation: IsolationDoor;
  /** A valid input in `scene`; left out exactly when the procedure takes no input. */
  example?: (scene: Scene) => Record<string, Json>;
}

/**
 * The rows of an app's routers, kept with the app and registered in app-rows.ts, with what the
 * suite must make before it can name the app's data.
 */
export interface AppRowSet {
  /** The file the rows live in: the messages about a procedure of `routers` name it. */
  file: string;
  /** The app routers (keys of app.config.ts's `routers`) whose procedures these rows cover. */
  routers: readonly string[];
  rows: Record<string, ProcedureEntry>;
  /**
   * Makes, as `owner` (signed in, holding an agent session), the data the rows' examples and
   * user doors name, and returns its ids (they become `scene.app`).
   */
  own?: (owner: CookieClient) => Promise<AppIds>;
  /**
   * Context groups the app's own ticket door would give the owner for that data: an agent
   * session of such a group, without a sign-in, must not pass a user door either.
   */
  ownerGroups?: (app: AppIds, userId: string) => string[];
}

/** A valid REST and ticket.create request; the REST fuzzer starts from it too. */
export const TICKET_REQUEST = {
  ticket_type: "agent_access",
  agent_ids: [TEST_AGENT],
  agent_session_identifier: "static",
  context_group: "workspace:42:user:7",
  expires_in: 600,
  // Mutated field by field by the REST fuzzer: every setting of `ui` is checked strictly.
  ui: {
    accent_color: "#0f766e",
    radius: 8,
    density: "compact",
    color_scheme: "dark",
    locale: "de",
  },
} satisfies Record<string, Json>;

const contextOf = (target: Target) => ({ contextId: target.contextId });

/** The framework's procedures: every router app.config.ts does not add. */
export const FRAMEWORK_ROWS: Record<string, ProcedureEntry> = {
  health: { isolation: { exempt: "public liveness: no tenant data" } },

  "auth.me": { isolation: { exempt: "self-scoped: answers with the signed-in caller only" } },
  "auth.signIn": {
    isolation: { exempt: "public: starts the caller's own sign-in; names no existing data" },
    example: ({ user }) => ({ email: user.email, password: user.password }),
  },
  "auth.signOut": {
    isolation: { exempt: "self-scoped: ends only the sign-in the caller's own cookie names" },
  },
  "auth.signOutEverywhere": {
    isolation: { exempt: "self-scoped: ends the signed-in caller's sessions only" },
  },
  "auth.signUp": {
    isolation: { exempt: "public: creates a new account; names no existing data" },
    example: () => ({ name: "Ada", email: "ada@example.com", password: "a long enough password" }),
  },

  "ticket.create": {
    isolation: {
      exempt:
        "backend door: the holder of an API key chooses context groups by design (the backend is " +
        "trusted with tenancy); it names no existing data, and keys are checked before anything",
    },
    example: () => TICKET_REQUEST,
  },

  "session.exchange": {
    isolation: {
      exempt:
        "takes a ticket, a 256-bit secret rather than an id; single use is the race test's subject",
    },
    example: ({ ticket }) => ({ ticket }),
  },
  "session.preview": {
    isolation: {
      exempt:
        "takes a ticket, a 256-bit secret rather than an id, and shows only what that ticket " +
        "offers beside the caller's own session; failures count like exchanges (fixation.test.ts)",
    },
    example: ({ ticket }) => ({ ticket }),
  },
  "grant.list": {
    isolation: {
      exempt: "self-scoped: the session's own group and agents, in SQL (grants.test.ts)",
    },
  },
  "grant.revoke": {
    isolation: {
      exempt:
        "names a grant by agent and tool within the session's own group, in SQL; another " +
        "group's grant is NOT_FOUND (grants.test.ts)",
    },
    example: () => ({ agentId: TEST_AGENT, toolName: "retryFailedDeliveries" }),
  },
  "session.current": {
    isolation: { exempt: "self-scoped: describes the session of the caller's own cookie" },
  },
  "session.end": {
    isolation: { exempt: "self-scoped: revokes only the session of the caller's own cookie" },
  },

  "context.list": {
    isolation: {
      exempt:
        "self-scoped: lists the session's own group and agents only; a test below checks that no " +
        "intruder's list shows a victim's conversation",
    },
    example: () => ({ limit: 20, search: "Web" }),
  },
  "context.create": {
    isolation: {
      door: "agent",
      input: (target) => ({ agentId: target.agentId, firstMessage: "hello" }),
      // A live session with the agent creates in its own group: that is its right, not a leak.
      from: (intruder) => !intruder.live || !intruder.hasAgent,
    },
    example: () => ({ title: "Hello", firstMessage: "hello" }),
  },
  "context.get": {
    isolation: { door: "agent", input: contextOf },
    example: ({ idle }) => contextOf(idle),
  },
  "context.messages": {
    isolation: {
      door: "agent",
      input: (target) => ({ contextId: target.contextId, before: target.messageId }),
    },
    example: ({ idle }) => ({ contextId: idle.contextId, limit: 10 }),
  },
  "context.rename": {
    isolation: {
      door: "agent",
      input: (target) => ({ contextId: target.contextId, title: "taken over" }),
    },
    example: ({ idle }) => ({ contextId: idle.contextId, title: "Renamed" }),
  },
  "context.delete": {
    isolation: { door: "agent", input: contextOf },
    example: ({ idle }) => contextOf(idle),
  },
  "context.send": {
    isolation: {
      door: "agent",
      input: (target) => ({ contextId: target.contextId, text: "hello from elsewhere" }),
    },
    example: ({ idle }) => ({ contextId: idle.contextId, text: "hello" }),
  },
  "context.cancel": {
    isolation: { door: "agent", input: contextOf },
    example: ({ approval }) => contextOf(approval),
  },
  "context.regenerate": {
    isolation: { door: "agent", input: contextOf },
    example: ({ idle }) => contextOf(idle),
  },
  "context.editMessage": {
    isolation: {
      door: "agent",
      input: (target) => ({ contextId: target.contextId, messageId: target.messageId, text: "x" }),
    },
    example: ({ idle }) => ({
      contextId: idle.contextId,
      messageId: idle.messageId,
      text: "again",
    }),
  },
  "context.setFeedback": {
    isolation: {
      door: "agent",
      input: (target) => ({
        contextId: target.contextId,
        messageId: target.replyId,
        rating: "bad",
      }),
    },
    example: ({ idle }) => ({
      contextId: idle.contextId,
      messageId: idle.replyId,
      rating: "good",
      comment: "helpful",
    }),
  },
  "context.respondToApproval": {
    isolation: {
      door: "agent",
      input: (target) => ({
        contextId: target.contextId,
        toolCallId: target.toolCallId,
        decision: "allow_always",
      }),
    },
    example: ({ approval }) => ({
      contextId: approval.contextId,
      toolCallId: approval.toolCallId,
      decision: "allow_once",
    }),
  },
  "context.submitInput": {
    isolation: {
      door: "agent",
      input: (target) => ({
        contextId: target.contextId,
        toolCallId: target.toolCallId,
        value: "yes",
      }),
    },
    example: ({ input }) => ({
      contextId: input.contextId,
      toolCallId: input.toolCallId,
      value: "yes",
    }),
  },
  "context.events": {
    isolation: {
      door: "agent",
      input: (target) => ({ contextId: target.contextId, lastEventId: "0" }),
    },
    example: ({ idle }) => ({ contextId: idle.contextId, lastEventId: "0" }),
  },
};

/** Rows found twice (in two row sets, or in a row set and the framework's table). */
function composeTable(
  framework: Record<string, ProcedureEntry>,
  sets: readonly AppRowSet[],
): { table: Record<string, ProcedureEntry>; duplicates: string[] } {
  const table = { ...framework };
  const origin = new Map(Object.keys(framework).map((path) => [path, PROCEDURE_TABLE_FILE]));
  const duplicates: string[] = [];
  for (const set of sets) {
    for (const [path, entry] of Object.entries(set.rows)) {
      const first = origin.get(path);
      if (first)
        duplicates.push(`the entry "${path}" is in both ${first} and ${set.file}: keep one`);
      origin.set(path, set.file);
      table[path] = entry;
    }
  }
  return { table, duplicates };
}

const composed = composeTable(FRAMEWORK_ROWS, APP_ROW_SETS);

/** The whole table: the framework's rows and every registered row set's (app-rows.ts). */
export const PROCEDURE_TABLE: Record<string, ProcedureEntry> = composed.table;

/** The registered row sets, in order: what the suite makes of the app's data comes from them. */
export { APP_ROW_SETS };

/** Where `path`'s entry belongs, given the registered row sets and the app's routers. */
export type FileOf = (path: string) => string;

/**
 * The file to edit for `path`: the row set covering its router; app-rows.ts for an app router
 * no row set covers (register one there); this file for the framework's procedures.
 */
export function fileOf(
  path: string,
  sets: readonly AppRowSet[] = APP_ROW_SETS,
  appRouters: readonly string[] = APP_ROUTERS,
): string {
  const router = path.split(".")[0]!;
  const set = sets.find((candidate) => candidate.routers.includes(router));
  if (set) return set.file;
  return appRouters.includes(router) ? APP_ROWS_FILE : PROCEDURE_TABLE_FILE;
}

const defaultFileOf: FileOf = (path) => fileOf(path);

/** Makes, as `owner`, the app data of every row set; their ids together (`scene.app`). */
export async function ownAppData(owner: CookieClient): Promise<AppIds> {
  const ids: Record<string, string> = {};
  for (const set of APP_ROW_SETS) Object.assign(ids, set.own ? await set.own(owner) : {});
  return ids;
}

/** The context groups of every row set's `ownerGroups` for the owner's data. */
export function appOwnerGroups(app: AppIds, userId: string): string[] {
  return APP_ROW_SETS.flatMap((set) => set.ownerGroups?.(app, userId) ?? []);
}

/** What the check needs of a procedure (procedures.ts gives it for the real router). */
export interface ProcedureShape {
  path: string;
  /** Its input schema, or null when it takes no input. */
  input: unknown;
}

function noExample(path: string, file: string): string {
  return `procedure "${path}" takes input, but its entry in ${file} has no example: add a valid one`;
}

function missing(path: string, takesInput: boolean, file: string): string {
  const where =
    file === APP_ROWS_FILE
      ? `${file} (no row set registered there covers its router "${path.split(".")[0]}")`
      : file;
  return (
    `procedure "${path}" has no entry in ${where}: add one with its isolation ` +
    `door (or the reason it is exempt)${takesInput ? " and a valid example input" : ""}`
  );
}

/**
 * Every way `table` and the router's `procedures` disagree, one sentence each naming the
 * procedure and the file to edit; empty when they agree.
 */
export function tableProblems(
  procedures: readonly ProcedureShape[],
  table: Record<string, ProcedureEntry> = PROCEDURE_TABLE,
  where: FileOf = defaultFileOf,
): string[] {
  const problems: string[] = table === PROCEDURE_TABLE ? [...composed.duplicates] : [];
  const known = new Set(procedures.map((procedure) => procedure.path));
  for (const procedure of procedures) {
    const entry = Object.hasOwn(table, procedure.path) ? table[procedure.path] : undefined;
    const takesInput = procedure.input !== null;
    const file = where(procedure.path);
    if (!entry) problems.push(missing(procedure.path, takesInput, file));
    else if (takesInput && !entry.example) problems.push(noExample(procedure.path, file));
    else if (!takesInput && entry.example) {
      problems.push(
        `procedure "${procedure.path}" takes no input, but its entry in ${file} has an example: remove it`,
      );
    }
  }
  for (const path of Object.keys(table)) {
    if (!known.has(path)) {
      problems.push(
        `the entry "${path}" in ${where(path)} names no procedure of the router: rename or remove it`,
      );
    }
  }
  return problems;
}

/** The procedure's entry; a procedure without one throws the message that says what to add. */
export function entryOf(
  procedure: ProcedureShape,
  table: Record<string, ProcedureEntry> = PROCEDURE_TABLE,
  where: FileOf = defaultFileOf,
): ProcedureEntry {
  const entry = Object.hasOwn(table, procedure.path) ? table[procedure.path] : undefined;
  if (!entry)
    throw new Error(missing(procedure.path, procedure.input !== null, where(procedure.path)));
  return entry;
}

/** The procedure's example input in `scene`, or undefined when it takes none. */
export function exampleOf(
  procedure: ProcedureShape,
  scene: Scene,
  table: Record<string, ProcedureEntry> = PROCEDURE_TABLE,
  where: FileOf = defaultFileOf,
): Record<string, Json> | undefined {
  const entry = entryOf(procedure, table, where);
  if (procedure.input === null) return undefined;
  if (!entry.example) throw new Error(noExample(procedure.path, where(procedure.path)));
  return entry.example(scene);
}
