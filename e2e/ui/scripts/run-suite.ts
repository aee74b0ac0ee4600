// Runs the browser suite once per pinned instant: E2E_NOW if set, otherwise the CI instants below.
// Each run seeds its own database at that instant and pins the dashboard's clock to it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { parseIsoInstant } from "@kubewise/core";

const CI_INSTANTS = [
  { label: "weekday-afternoon", now: "2026-11-25T14:30:00Z" },
  // Two minutes before midnight UTC at the end of a weekend: day, week and weekend edges at once.
  { label: "sunday-before-midnight", now: "2026-11-29T23:58:00Z" },
];

const HELP = `Usage: npm run test:e2e [-- <playwright test args>]

Runs the Playwright suite (e2e/ui) against a freshly seeded stack, once per pinned instant.
  E2E_NOW=<ISO 8601 instant>   run once, with the seed and the dashboard's clock pinned there
  (unset)                      run at each CI instant: ${CI_INSTANTS.map((i) => i.now).join(", ")}
Reports: e2e/ui/playwright-report/<label>/, traces in e2e/ui/test-results/<label>/.
Other arguments (e.g. --grep anomalies) go to \`playwright test\`.`;

function instants(): { label: string; now: string }[] {
  const raw = process.env.E2E_NOW;
  if (raw === undefined || raw === "") return CI_INSTANTS;
  const now = parseIsoInstant("E2E_NOW", raw).toISOString();
  return [{ label: `at-${now.replaceAll(":", "")}`, now }];
}

function main(): number {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const failed: string[] = [];
  for (const { label, now } of instants()) {
    process.stdout.write(
      `e2e: browser suite with the clock pinned to ${now} (${label})\n`,
    );
    const run = spawnSync("npx", ["playwright", "test", ...args], {
      cwd,
      stdio: "inherit",
      env: { ...process.env, E2E_NOW: now, KW_E2E_RUN_LABEL: label },
    });
    if (run.status !== 0) failed.push(`${label} (${now})`);
  }
  if (failed.length > 0) {
    process.stderr.write(`e2e: failed at ${failed.join(", ")}\n`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (error: unknown) {
  process.stderr.write(
    `e2e: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 2;
}
