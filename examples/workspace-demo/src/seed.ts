// First-run demo data for development, printed once with the credentials to try it with: the
// demo's seed hook (AppDefinition.seed).
import type { SeedContext } from "@agent-access/api";
import { hashPassword } from "@agent-access/auth";
import { DEMO_EMAIL, DEMO_PASSWORD, isSeeded, seedDemo } from "./db/index.ts";

/** Seeds an empty database and prints how to use it; does nothing when already seeded. */
export async function seedWorkspaceDemo({ db, appUrl, log }: SeedContext): Promise<boolean> {
  if (isSeeded(db)) return false;
  const seeded = seedDemo(db, await hashPassword(DEMO_PASSWORD));
  if (!seeded) return false;
  log(
    [
      "",
      "Seeded the demo data:",
      `  app       ${appUrl}`,
      `  sign in   ${DEMO_EMAIL} / ${DEMO_PASSWORD}`,
      `  API key   ${seeded.apiKey.key}`,
      "            (shown this once; make more with `pnpm cli api-key create --name <name>`)",
      "",
    ].join("\n"),
  );
  return true;
}
