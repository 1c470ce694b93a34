// vitest global setup: one PostgreSQL database for the whole run, dropped at its end. Where no
// PostgreSQL answers, the PostgreSQL half of the dialect suites is skipped with one line saying
// why; under CI=true that is a failure instead, so CI cannot pass without having run them.
import type { TestProject } from "vitest/node";
import { adminUrl, createTestDatabase, postgresUnavailable } from "./postgres.ts";

export default async function setup(project: TestProject) {
  const why = await postgresUnavailable();
  if (why) {
    const line = `PostgreSQL suites skipped: ${why}. Run \`bash scripts/postgres.sh\` to set it up, or set TEST_POSTGRES_URL.`;
    if (process.env.CI === "true") throw new Error(`${line} (CI=true: a skip is a failure)`);
    console.warn(line);
    project.provide("postgresUrl", null);
    return;
  }
  const database = await createTestDatabase(adminUrl());
  project.provide("postgresUrl", database.url);
  return () => database.drop();
}
