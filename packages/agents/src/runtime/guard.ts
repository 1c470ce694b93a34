// The checks every runtime method starts with, in one place: the engine is open, the context is
// in the caller's scope (the tenant rule, in findContext's SQL), and its agent is in the session.
import { type AgentScope, type ContextRow, findContext } from "@agent-access/db";
import type { AgentDefinition } from "../agent.ts";
import { AgentRuntimeError, contextNotFound } from "../errors.ts";
import type { Engine } from "./engine.ts";

export interface Guard {
  /** The context if it is in the scope; else NOT_FOUND, as for one that does not exist. */
  context(scope: AgentScope, contextId: string): ContextRow;
  /** An agent of the scope; else NOT_FOUND. */
  agent(scope: AgentScope, agentId: string): AgentDefinition;
  /**
   * For a call that starts or resumes a run: CONFLICT while shutting down, then the context
   * (in scope) and its agent (still in the session and the registry).
   */
  turn(scope: AgentScope, contextId: string): ContextRow;
  /** CONFLICT once the engine is shutting down. */
  open(): void;
}

export function createGuard(engine: Engine, isClosed: () => boolean): Guard {
  const guard: Guard = {
    context(scope, contextId) {
      const row = findContext(engine.db, scope, contextId);
      if (!row) throw contextNotFound();
      return row;
    },
    agent(scope, agentId) {
      const agent = scope.agentIds.includes(agentId) ? engine.agents.get(agentId) : undefined;
      if (!agent) {
        throw new AgentRuntimeError("NOT_FOUND", `No agent "${agentId}" in this session.`);
      }
      return agent;
    },
    turn(scope, contextId) {
      guard.open();
      const context = guard.context(scope, contextId);
      guard.agent(scope, context.agent_id);
      return context;
    },
    open() {
      if (isClosed()) {
        throw new AgentRuntimeError(
          "CONFLICT",
          "The server is shutting down; try again in a moment.",
        );
      }
    },
  };
  return guard;
}
