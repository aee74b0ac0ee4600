// npm run bench:recommend -- [--traces <dir>] [--dump <file.csv>] [--limit <n>] [--workers <n>] [--baselines-only] [--synthetic <containers>]
// Walk-forward benchmark of every policy on a tidy trace folder; the last stdout line is the JSON summary.
import { createWriteStream } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import type { BenchmarkRun } from "../src/eval/benchmark";
import {
  createBenchmarkRun,
  foldSeriesEvaluation,
} from "../src/eval/benchmark";
import { DUMP_HEADER } from "../src/eval/dump";
import type { CurvePoint, PolicyRow } from "../src/eval/report";
import { formatTable, toBenchmarkJson } from "../src/eval/report";
import { checkTargets, formatTargets, targetsFrom } from "../src/eval/targets";
import { evaluateSeries } from "../src/eval/walk-forward";
import { BASELINE_NAMES, buildPolicies, curveName } from "./bench-policies";
import type { LoadedKubewise } from "./kubewise-loader";
import {
  invocationDir,
  loadSeriesArgs,
  log,
  positiveInteger,
  TRACE_OPTIONS,
} from "./script-io";
import { runSyntheticPass } from "./synthetic-pass";
import { evaluateInWorkers } from "./worker-pool";

const HELP = `npm run bench:recommend -- [options]

Walk-forward benchmark of every policy (provisioned, vpa, krr, autopilot, autopilot-ml, kubewise and
its risk curve: risk weight / CPU penalty 0.75 / 12, the default 2 / 38, and 8 / 100, points of the
knob bench:frontier sweeps) on a folder of tidy traces: a table, the issue-4 targets, and one JSON
line last (kubewise_curve carries each point's risk_weight and cpu_penalty).
Matched-safety comparisons (each policy's knob swept) are in npm run bench:frontier.

Options:
  --traces <dir>      tidy trace folder (default: the first ../shared/traces beside the repository or a parent)
  --limit <n>         only the first n series
  --workers <n>       worker threads (default: min(2, CPU cores))
  --dump <file.csv>   one row per (series, day, policy, window)
  --baselines-only    skip Kubewise
  --synthetic <n>     speed: one recommendation pass over n synthetic containers instead
  -h, --help          this text`;

const { values: args } = parseArgs({
  options: {
    ...TRACE_OPTIONS,
    help: { type: "boolean", short: "h", default: false },
    dump: { type: "string" },
    synthetic: { type: "string" },
    "baselines-only": { type: "boolean", default: false },
  },
});

function summaryRows(
  run: BenchmarkRun,
  kubewise: LoadedKubewise,
): { rows: PolicyRow[]; curve: CurvePoint[] } {
  const row = (name: string): PolicyRow => ({
    name,
    summary: run.accumulators.get(name)?.summary() ?? null,
    wallTimeS: (run.wallMs.get(name) ?? 0) / 1000,
  });
  const rows = BASELINE_NAMES.map(row);
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
  const curve: CurvePoint[] = kubewise.curve.flatMap((e) => {
    const r = row(curveName(e));
    if (!r.summary) return [];
    return [
      {
        risk_weight: e.knob.riskWeight,
        cpu_penalty: e.knob.cpuPenalty,
        ...r.summary.metrics,
        calibration_error: r.summary.calibrationError,
        wall_time_s: r.wallTimeS,
      },
    ];
  });
  for (const e of kubewise.curve)
    if (!e.sameAsDefault) rows.push(row(curveName(e)));
  return { rows, curve };
}

/** The issue's targets from this run's baselines, and whether the default Kubewise meets them. */
function targetReport(rows: PolicyRow[]): string {
  const metrics = Object.fromEntries(
    rows.map((r) => [r.name, r.summary?.metrics ?? null]),
  );
  let targets;
  try {
    targets = targetsFrom(metrics);
  } catch (error) {
    return `targets: not computed (${error instanceof Error ? error.message : String(error)})`;
  }
  const kubewise = metrics.kubewise;
  const word = (met: boolean): string => (met ? "met" : "NOT met");
  const verdict = kubewise ? checkTargets(kubewise, targets) : null;
  const line = verdict
    ? `kubewise: memory target ${word(verdict.memory)}, cpu target ${word(verdict.cpu)}`
    : "kubewise: not scored";
  return `\n${formatTargets(targets)}\n${line} (npm run bench:bounds shows what clairvoyant and hindsight policies reach)`;
}

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const baselinesOnly = args["baselines-only"];
  const { policies, kubewise } = await buildPolicies(log, { baselinesOnly });
  if (args.synthetic !== undefined) {
    await runSyntheticPass({
      containers: positiveInteger("synthetic", args.synthetic),
      workers: positiveInteger("workers", args.workers),
      kubewise: kubewise.default,
      log,
    });
    return;
  }
  const workers = positiveInteger("workers", args.workers);
  const { series, loaded } = await loadSeriesArgs({
    traces: args.traces,
    limit: args.limit,
  });
  const samples = series.reduce((n, s) => n + s.timestampsS.length, 0);
  log(
    `${series.length} series, ${samples} samples, ${loaded.rejectedRows} rejected rows${loaded.firstRejection ? ` (first: ${loaded.firstRejection})` : ""}`,
  );

  const dump = args.dump
    ? createWriteStream(resolve(invocationDir, args.dump))
    : null;
  dump?.write(`${DUMP_HEADER}\n`);
  const run = createBenchmarkRun(policies);
  const started = performance.now();
  const onResult = (
    i: number,
    evaluation: ReturnType<typeof evaluateSeries>,
  ): void => {
    const s = series[i];
    if (s === undefined) return;
    foldSeriesEvaluation(
      run,
      { series: s, evaluation },
      dump ? (lines) => dump.write(`${lines.join("\n")}\n`) : undefined,
    );
    if ((i + 1) % 10 === 0 || i + 1 === series.length)
      log(
        `scored ${i + 1}/${series.length} series (${((performance.now() - started) / 1000).toFixed(1)} s, ${workers} worker(s))`,
      );
  };
  if (workers > 1)
    await evaluateInWorkers(series, { workers, baselinesOnly, onResult });
  else
    for (const [i, s] of series.entries())
      onResult(i, evaluateSeries(s, policies));
  if (dump) await new Promise<void>((done) => dump.end(done));

  const { rows, curve } = summaryRows(run, kubewise);
  process.stdout.write(`${formatTable(rows)}\n`);
  process.stdout.write(`${targetReport(rows)}\n`);
  if (args.dump) log(`wrote ${resolve(invocationDir, args.dump)}`);
  log(`scored in ${((performance.now() - started) / 1000).toFixed(1)} s`);
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
