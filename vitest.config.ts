import { availableParallelism } from "node:os";

import { defineConfig } from "vitest/config";

// Two projects (STYLE §7): `unit` needs nothing; `db` runs *.db.test.ts against one real PostgreSQL
// per run (embedded, or DATABASE_URL), started by packages/db's global setup.
// Vitest's default is one worker per core minus one: a single worker on a 2-core CI machine, so the
// process-level e2e files (federation rounds, fault injection), which mostly wait on child processes
// and sockets, run alone while the other core idles. A second worker overlaps them
// with the rest (at least two workers; the default on larger machines). Every db file gets its own
// database, and the process-level tests start their own servers on free ports.
const WORKERS = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    maxWorkers: WORKERS,
    projects: [
      {
        test: {
          name: "unit",
          include: ["{apps,packages,tooling,scripts}/**/*.test.ts"],
          exclude: ["**/node_modules/**", "**/*.db.test.ts", "**/.next/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "db",
          include: ["{apps,packages}/**/*.db.test.ts"],
          exclude: ["**/node_modules/**", "**/.next/**"],
          globalSetup: ["packages/db/src/testing/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
