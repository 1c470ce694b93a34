// The suite's one table of procedures checked against a router's procedure list: what a
// developer who adds a procedure without an entry is told, checked here with fake procedure lists.
import { describe, expect, it } from "vitest";
import {
  entryOf,
  exampleOf,
  PROCEDURE_TABLE,
  type ProcedureEntry,
  type Scene,
  tableProblems,
} from "./procedure-table.ts";
import { listProcedures } from "./procedures.ts";

const schema = { safeParse: () => ({ success: true }) };
const table: Record<string, ProcedureEntry> = {
  health: { isolation: { exempt: "public liveness: no tenant data" } },
  "orders.get": {
    isolation: { door: "user", input: ({ workspaceId }) => ({ workspaceId }) },
    example: ({ workspaceId }) => ({ workspaceId }),
  },
};

describe("the procedure table", () => {
  it("has an entry for every procedure of the real router, and none other", () => {
    expect(tableProblems(listProcedures()).join("\n")).toBe("");
  });

  it("names a procedure without an entry, and the file to edit", () => {
    const procedures = [
      { path: "health", input: null },
      { path: "orders.get", input: schema },
      { path: "orders.refund", input: schema },
    ];
    expect(tableProblems(procedures, table)).toEqual([
      'procedure "orders.refund" has no entry in tests/security/support/procedure-table.ts: add one with its isolation door (or the reason it is exempt) and a valid example input',
    ]);
    expect(() => entryOf({ path: "orders.refund", input: schema }, table)).toThrow(
      'procedure "orders.refund" has no entry in tests/security/support/procedure-table.ts',
    );
    expect(() => exampleOf({ path: "orders.refund", input: schema }, {} as Scene, table)).toThrow(
      /^procedure "orders\.refund" has no entry in tests\/security\/support\/procedure-table\.ts/,
    );
  });

  it("names entries without an example for a procedure with input, or with one for a procedure without", () => {
    const procedures = [
      { path: "health", input: schema },
      { path: "orders.get", input: null },
    ];
    expect(tableProblems(procedures, table)).toEqual([
      'procedure "health" takes input, but its entry in tests/security/support/procedure-table.ts has no example: add a valid one',
      'procedure "orders.get" takes no input, but its entry in tests/security/support/procedure-table.ts has an example: remove it',
    ]);
  });

  it("names entries for procedures the router does not have", () => {
    expect(tableProblems([{ path: "health", input: null }], table)).toEqual([
      'the entry "orders.get" in tests/security/support/procedure-table.ts names no procedure of the router: rename or remove it',
    ]);
  });

  it("does not take an inherited property for an entry", () => {
    expect(tableProblems([{ path: "toString", input: null }], PROCEDURE_TABLE)[0]).toMatch(
      /^procedure "toString" has no entry/,
    );
  });
});
