// npm run bench:recommend -- [--traces <dir>] [--dump <file.csv>] [--limit <n>] [--synthetic <containers>]
// Walk-forward benchmark of every policy on a tidy trace folder; the last stdout line is the JSON summary.
import { createWriteStream } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { createAutopilotRecommender } from "../src/baselines/autopilot";
import { createKrrRecommender } from "../src/baselines/krr";
import { createVpaRecommender } from "../src/baselines/vpa";
import { addSeriesToRun, createBenchmarkRun } from "../src/eval/benchmark";
import { DUMP_HEADER } from "../src/eval/dump";
import type { CurvePoint, PolicyRow } from "../src/eval/report";
import { formatTable, toBenchmarkJson } from "../src/eval/report";
import type { PolicyEntry } from "../src/eval/walk-forward";
import { PROVISIONED } from "../src/eval/walk-forward";
import { loadTraceFolder } from "../src/traces/node-loader";
import { loadKubewise } from "./kubewise-loader";
import { runSyntheticPass } from "./synthetic-pass";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../../..");
const CURVE_TARGETS = [0.9, 0.95, 0.99];

const { values: args } = parseArgs({
  options: {
    traces: { type: "string", default: resolve(repoRoot, "../shared/traces") },
    dump: { type: "string" },
    limit: { type: "string" },
    synthetic: { type: "string" },
  },
});

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

async function main(): Promise<void> {
  const kubewise = await loadKubewise(CURVE_TARGETS, log);
  if (args.synthetic !== undefined) {
    const containers = Number(args.synthetic);
    if (!Number.isInteger(containers) || containers <= 0)
      throw new Error(
        `--synthetic needs a positive integer, got ${args.synthetic}`,
      );
    await runSyntheticPass({ containers, kubewise: kubewise.default, log });
    return;
  }
  const baselines: PolicyEntry[] = [
    { name: PROVISIONED, recommender: null },
    { name: "vpa", recommender: createVpaRecommender() },
    { name: "krr", recommender: createKrrRecommender() },
    { name: "autopilot", recommender: createAutopilotRecommender() },
  ];
  const curveName = (e: { target: number; sameAsDefault: boolean }): string =>
    e.sameAsDefault ? "kubewise" : `kubewise@${e.target}`;
  const curveEntries: PolicyEntry[] = kubewise.byTarget
    .filter((e) => !e.sameAsDefault)
    .map((e) => ({ name: curveName(e), recommender: e.recommender }));
  const policies: PolicyEntry[] = [
    ...baselines,
    ...(kubewise.default
      ? [{ name: "kubewise", recommender: kubewise.default }]
      : []),
    ...curveEntries,
  ];

  const tracesDir = resolve(args.traces);
  log(`loading traces from ${tracesDir}`);
  const loaded = await loadTraceFolder(tracesDir, { onProgress: log });
  const limit =
    args.limit === undefined ? loaded.series.length : Number(args.limit);
  const series = loaded.series.slice(0, limit);
  log(
    `${series.length} series, ${series.reduce((n, s) => n + s.timestampsS.length, 0)} samples, ${loaded.rejectedRows} rejected rows${loaded.firstRejection ? ` (first: ${loaded.firstRejection})` : ""}`,
  );

  const dump = args.dump ? createWriteStream(resolve(args.dump)) : null;
  dump?.write(`${DUMP_HEADER}\n`);
  const run = createBenchmarkRun(policies);
  const started = performance.now();
  for (const [i, s] of series.entries()) {
    addSeriesToRun(
      run,
      { series: s, policies },
      dump ? (lines) => dump.write(`${lines.join("\n")}\n`) : undefined,
    );
    if ((i + 1) % 10 === 0 || i + 1 === series.length)
      log(
        `scored ${i + 1}/${series.length} series (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
  }
  if (dump) await new Promise<void>((done) => dump.end(done));

  const row = (name: string): PolicyRow => ({
    name,
    summary: run.accumulators.get(name)?.summary() ?? null,
    wallTimeS: (run.wallMs.get(name) ?? 0) / 1000,
  });
  const rows: PolicyRow[] = [...baselines.map((p) => row(p.name))];
  rows.push(
    kubewise.default
      ? row("kubewise")
      : {
          name: "kubewise",
          summary: null,
          wallTimeS: 0,
          missingReason: kubewise.missingReason,
        },
  );
  const curve: CurvePoint[] = kubewise.byTarget.flatMap((e) => {
    const summary = run.accumulators.get(curveName(e))?.summary();
    if (!summary) return [];
    return [
      {
        target: e.target,
        ...summary.metrics,
        calibration_error: summary.calibrationError,
        wall_time_s: (run.wallMs.get(curveName(e)) ?? 0) / 1000,
      },
    ];
  });
  for (const e of kubewise.byTarget)
    if (!e.sameAsDefault) rows.push(row(curveName(e)));
  process.stdout.write(`${formatTable(rows)}\n`);
  if (args.dump) log(`wrote ${resolve(args.dump)}`);
  process.stdout.write(
    `${JSON.stringify(toBenchmarkJson({ rows: rows.filter((r) => !r.name.includes("@")), curve, series: run.series }))}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:recommend failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
