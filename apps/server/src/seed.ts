// First-run demo data for development, printed once with the credentials to try it with.
import { hashPassword } from "@agent-access/auth";
import { type Db, DEMO_EMAIL, DEMO_PASSWORD, isSeeded, seedDemo } from "@agent-access/db";

/**
 * Seeds an empty database and prints how to use it, `appUrl` being where the app opens; does
 * nothing when already seeded.
 */
export async function seedIfEmpty(db: Db, appUrl: string): Promise<boolean> {
  if (await isSeeded(db)) return false;
  const seeded = await seedDemo(db, await hashPassword(DEMO_PASSWORD));
  if (!seeded) return false;
  console.log(
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
