// The notes example's rows in the security suite's table (tests/security/support/
// procedure-table.ts). Registering the notes router in apps/server/src/app.config.ts also means
// registering these in tests/security/support/app-rows.ts; until then the suite fails naming
// each notes.* procedure. rows.test.ts checks them against the router.
import type { AppRowSet } from "../../../tests/security/support/procedure-table.ts";

export const notesRows: AppRowSet = {
  file: "examples/notes/security/rows.ts",
  routers: ["notes"],
  rows: {
    "notes.list": {
      isolation: { exempt: "self-scoped: the session's own context group's notes, in SQL" },
    },
    "notes.add": {
      isolation: { exempt: "self-scoped: adds a note to the session's own context group" },
      example: () => ({ text: "Call the supplier about order 1042" }),
    },
  },
};
