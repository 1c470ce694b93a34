// The router's procedures as the server sees them, read from appRouter itself: a procedure added
// later shows up here, and every table of cases keyed by procedure path must then name it.
import { appRouter } from "@agent-access/server/router";

/** What the suite needs of a zod schema (the api package's zod, not a second copy). */
export interface InputSchema {
  safeParse(value: unknown): { success: boolean };
}

export type ProcedureType = "query" | "mutation" | "subscription";

export interface ProcedureInfo {
  path: string;
  type: ProcedureType;
  /** The zod schema its input must satisfy, or null when it takes no input. */
  input: InputSchema | null;
}

interface ProcedureDef {
  _def: { type: ProcedureType; inputs: unknown[] };
}

/** The procedures of `router`: by default the server's, app.config.ts's routers included. */
export function listProcedures(router: { _def: object } = appRouter): ProcedureInfo[] {
  // Typed as the nested router, but at run time a flat record keyed by path ("context.send").
  const procedures = (router._def as { procedures: unknown }).procedures as Record<
    string,
    ProcedureDef
  >;
  return Object.entries(procedures)
    .map(([path, procedure]) => {
      const inputs = procedure._def.inputs as InputSchema[];
      // Every procedure here has at most one .input(); two would merge, which this suite
      // would have to model.
      if (inputs.length > 1) throw new Error(`${path} has ${inputs.length} input parsers`);
      return { path, type: procedure._def.type, input: inputs[0] ?? null };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** True when the value, as it travels (through JSON), passes the procedure's input schema. */
export function acceptsInput(procedure: ProcedureInfo, value: unknown): boolean {
  if (!procedure.input) return true;
  const wire = value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  return procedure.input.safeParse(wire).success;
}
