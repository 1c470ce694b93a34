// The suite's one table of procedures checked against a router's procedure list: what a
// developer who adds a procedure without an entry is told, checked here with fake procedure lists.
import { describe, expect, it } from "vitest";
import {
  type AppRowSet,
  entryOf,
  exampleOf,
  FRAMEWORK_ROWS,
  fileOf,
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
    isolation: { door: "user", input: ({ shopId = "" }) => ({ shopId }) },
    example: ({ app: { shopId = "" } }) => ({ shopId }),
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

  it("names an app router's procedure with the file of the row set covering it", () => {
    const shopRows: AppRowSet = {
      file: "examples/shop/security/rows.ts",
      routers: ["orders"],
      rows: table,
    };
    const where = (path: string) => fileOf(path, [shopRows], ["orders", "staff"]);
    expect(where("orders.refund")).toBe("examples/shop/security/rows.ts");
    expect(where("context.send")).toBe("tests/security/support/procedure-table.ts");
    const procedures = [
      { path: "orders.refund", input: schema },
      { path: "staff.list", input: null },
    ];
    expect(tableProblems(procedures, {}, where)).toEqual([
      'procedure "orders.refund" has no entry in examples/shop/security/rows.ts: add one with its isolation door (or the reason it is exempt) and a valid example input',
      'procedure "staff.list" has no entry in tests/security/support/app-rows.ts (no row set registered there covers its router "staff"): add one with its isolation door (or the reason it is exempt)',
    ]);
  });

  it("holds the framework's rows whatever app rows are registered", () => {
    for (const path of Object.keys(FRAMEWORK_ROWS)) {
      expect(PROCEDURE_TABLE[path], path).toBe(FRAMEWORK_ROWS[path]);
      expect(fileOf(path), path).toBe("tests/security/support/procedure-table.ts");
    }
  });
});
