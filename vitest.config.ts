import { defineConfig } from "vitest/config";

// Two projects (STYLE §7): `unit` needs nothing; `db` runs *.db.test.ts against one real PostgreSQL
// per run (embedded, or DATABASE_URL), started by packages/db's global setup.
export default defineConfig({
  test: {
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
