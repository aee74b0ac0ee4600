// `npm run e2e:node`: runs the node suite (vitest.node.config.ts) and prints its measured results
// as the last line: {"node_ready":…,"pods_ready":…,…,"dashboard_http":200,"federated_round":true,…}.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

import { readResults } from "../src/node/results";

const HERE = join(import.meta.dirname, "..");
const RESULTS = join(HERE, "..", "..", "dist", "e2e-node-results.json");
const KEYS = [
  "node_ready",
  "pods_ready",
  "pods_expected",
  "real_samples",
  "recommendation_created",
  "inplace_resized",
  "restarts_during_resize",
  "oom_rollback_s",
  "rollback_exact",
  "dashboard_http",
  "federated_round",
  "federated_round_id",
  "federated_participants",
] as const;

if (process.argv.includes("--help")) {
  console.log(`Usage: npm run e2e:node [-- <vitest args>]

Builds the images, starts (or reuses) the local node (scripts/cluster/start.sh --node, root),
installs the chart with the local images and runs e2e/cluster/src/node/*.node.test.ts.
KUBECONFIG + KUBEWISE_E2E_DATABASE_URL: run against another cluster. KUBEWISE_KEEP_CLUSTER=1 keeps
the node, release and database; KUBEWISE_E2E_SKIP_IMAGES=1 reuses dist/images. See e2e/cluster/README.md.`);
  process.exit(0);
}

const started = Date.now();
rmSync(RESULTS, { force: true });
const vitest = spawnSync(
  process.execPath,
  [
    join(HERE, "..", "..", "node_modules/vitest/vitest.mjs"),
    "run",
    "--config",
    "vitest.node.config.ts",
    ...process.argv.slice(2),
  ],
  { cwd: HERE, stdio: "inherit" },
);
const results = readResults(RESULTS);
const summary = Object.fromEntries(
  KEYS.map((key) => [key, results[key] ?? null]),
);
console.log(
  `e2e:node  wall time ${((Date.now() - started) / 1000).toFixed(1)} s; extra measurements: ${JSON.stringify(
    Object.fromEntries(
      Object.entries(results).filter(
        ([key]) => !(KEYS as readonly string[]).includes(key),
      ),
    ),
  )}`,
);
console.log(JSON.stringify(summary));
process.exit(vitest.status ?? 1);
