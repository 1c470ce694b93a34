// The one extension point of an app built on this template: its agents, its own tRPC routers,
// its tables (migrations of its own), its development seed and its context-group rule, in one
// typed value that the server reads (apps/server/src/app.config.ts).
import type { AgentDefinition } from "@agent-access/agents";
import { type Db, type MigrationSet, migrate, migrateApp } from "@agent-access/db";
import type { AnyRouter } from "@trpc/server";
import { authRouter } from "./router/auth.ts";
import { contextRouter } from "./router/context.ts";
import { grantRouter } from "./router/grant.ts";
import { healthRouter } from "./router/health.ts";
import { sessionRouter } from "./router/session.ts";
import { ticketRouter } from "./router/ticket.ts";
import { createTRPCRouter, mergeRouters } from "./trpc.ts";

/** What an app's seed hook receives. */
export interface SeedContext {
  /** The migrated database, the app's own migrations included. */
  db: Db;
  /**
   * Where the app opens, for the links it prints: PUBLIC_URL (at start-up), or as `pnpm cli seed`
   * words it, also the address on PORT.
   */
  appUrl: string;
  /** Where to print what was made (credentials, keys). Default console.log. */
  log: (text: string) => void;
}

export interface AppDefinition<
  Routers extends Record<string, AnyRouter> = Record<string, AnyRouter>,
> {
  /** The agents the server offers: what tickets may name and what the run engine runs. */
  agents: readonly AgentDefinition[];
  /**
   * The app's own tRPC routers, mounted beside the framework's (`auth`, `health`, `ticket`,
   * `session`, `context`), whose names they may not take. Build them with the procedure kinds
   * of `@agent-access/api` (`userProcedure`, `agentProcedure`, ...).
   */
  routers: Routers;
  /** The app's own tables: migration sets applied after the framework's, at boot and by the CLI. */
  migrations?: readonly MigrationSet[];
  /**
   * Development data for an empty database: called at start-up outside production and by
   * `pnpm cli seed`. Returns whether it added anything (false when the data is there already).
   */
  seed?: (context: SeedContext) => boolean | Promise<boolean>;
  /**
   * The server's format of a static context group: the rule for agents without a rule of their
   * own (`defineAgent({ contextGroup })`) minted at a door without one. `pattern` is matched
   * whole; `description` says it in words in refusals. CONTEXT_GROUP_PATTERN (and
   * CONTEXT_GROUP_DESCRIPTION) in the environment override it; without either, `segment:value`
   * pairs.
   */
  contextGroups?: { pattern: RegExp; description?: string };
}

const frameworkRouters = {
  auth: authRouter,
  ticket: ticketRouter,
  session: sessionRouter,
  context: contextRouter,
  grant: grantRouter,
};

/** The names an app router may not take: the framework's routers and its root `health`. */
export const FRAMEWORK_ROUTER_NAMES = [...Object.keys(frameworkRouters), "health"];

/**
 * Checks and returns an app definition; it only adds types and early errors (a router named like
 * one of the framework's, or two agents with one id).
 */
export function defineApp<Routers extends Record<string, AnyRouter>>(
  app: AppDefinition<Routers>,
): AppDefinition<Routers> {
  for (const name of Object.keys(app.routers)) {
    if (FRAMEWORK_ROUTER_NAMES.includes(name)) {
      throw new Error(
        `The app router "${name}" has the name of a framework router (${FRAMEWORK_ROUTER_NAMES.join(", ")}): rename it.`,
      );
    }
  }
  const ids = new Set<string>();
  for (const agent of app.agents) {
    if (ids.has(agent.id)) throw new Error(`Two agents have the id "${agent.id}".`);
    ids.add(agent.id);
  }
  return app;
}

/** The framework's routers and the app's, as one tRPC router (the server's `/trpc`). */
export function createAppRouter<Routers extends Record<string, AnyRouter>>(routers: Routers) {
  return mergeRouters(
    // `health` stays at the root (/trpc/health), where the web shell and monitors call it.
    healthRouter,
    createTRPCRouter({ ...routers, ...frameworkRouters }),
  );
}

/**
 * Applies the framework's migrations, then the app's; returns what each applied (the
 * framework's under "framework"), for the CLI to report.
 */
export function migrateWithApp(
  db: Db,
  app: Pick<AppDefinition, "migrations">,
): Record<string, number[]> {
  const applied: Record<string, number[]> = { framework: migrate(db) };
  for (const set of app.migrations ?? []) applied[set.name] = migrateApp(db, set);
  return applied;
}
