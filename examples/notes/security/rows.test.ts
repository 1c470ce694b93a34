// The notes example's security rows match its router: with the notes router mounted beside the
// framework's, the framework's rows and these name every procedure exactly, and each example is
// an input the procedure accepts. What registering both (app.config.ts, app-rows.ts) gives.
import { createAppRouter } from "@agent-access/api";
import { describe, expect, it } from "vitest";
import {
  FRAMEWORK_ROWS,
  fileOf,
  type Scene,
  tableProblems,
} from "../../../tests/security/support/procedure-table.ts";
import { acceptsInput, listProcedures } from "../../../tests/security/support/procedures.ts";
import { notesRouter } from "../src/index.ts";
import { notesRows } from "./rows.ts";

const procedures = listProcedures(createAppRouter({ notes: notesRouter }));
const where = (path: string) => fileOf(path, [notesRows], ["notes"]);

describe("the notes example's security rows", () => {
  it("name every notes procedure, beside the framework's rows", () => {
    const table = { ...FRAMEWORK_ROWS, ...notesRows.rows };
    expect(tableProblems(procedures, table, where).join("\n")).toBe("");
  });

  it("give examples the procedures accept", () => {
    for (const procedure of procedures.filter((p) => p.path.startsWith("notes."))) {
      const example = notesRows.rows[procedure.path]?.example?.({} as Scene);
      expect(acceptsInput(procedure, example), procedure.path).toBe(true);
    }
  });

  it("are named by the check when the router is mounted without them", () => {
    expect(tableProblems(procedures, FRAMEWORK_ROWS, where)).toEqual([
      'procedure "notes.add" has no entry in examples/notes/security/rows.ts: add one with its isolation door (or the reason it is exempt) and a valid example input',
      'procedure "notes.list" has no entry in examples/notes/security/rows.ts: add one with its isolation door (or the reason it is exempt)',
    ]);
  });
});
