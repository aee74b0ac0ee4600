// npm run bench:bounds -- [--traces <dir>] [--limit <n>] [--workers <n>] [--recommend-json <file>]
// What the metric definitions allow on a trace folder: clairvoyant policies (they know the
// scored day) and hindsight ones (they know the series' whole future), scored by the same harness
// code as every real policy, next to the targets derived from the baselines. The last stdout line is
// one JSON object: {"targets":…,"bounds":{"<name>":{…metrics, meets_memory, meets_cpu}},"series":…}.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import type { PolicyMetrics } from "../src/eval/aggregate";
import type { BenchmarkRun } from "../src/eval/benchmark";
import {
  createBenchmarkRun,
  foldSeriesEvaluation,
} from "../src/eval/benchmark";
import type { BoundSpec } from "../src/eval/bounds";
import { boundPolicies } from "../src/eval/bounds";
import type { BenchmarkJson, PolicyRow } from "../src/eval/report";
import { formatTable, roundMetrics } from "../src/eval/report";
import type { Targets } from "../src/eval/targets";
import {
  checkTargets,
  formatTargets,
  TARGET_BASELINES,
  targetsFrom,
} from "../src/eval/targets";
import { evaluateSeries } from "../src/eval/walk-forward";
import type { TraceSeries } from "../src/traces/series-builder";
import {
  invocationDir,
  loadSeriesArgs,
  log,
  positiveInteger,
  TRACE_OPTIONS,
} from "./script-io";
import { evaluateInWorkers } from "./worker-pool";

const HELP = `npm run bench:bounds -- [options]

What the metric definitions allow on a trace folder: clairvoyant policies (they know the scored day)
and hindsight ones (they know the series' whole future), scored by the harness, next to the issue-4
targets from the baselines. Last stdout line: {"targets":…,"bounds":{…},"series":…}.

Options:
  --traces <dir>           tidy trace folder (default: the first ../shared/traces beside the repository or a parent)
  --limit <n>              only the first n series
  --workers <n>            worker threads for the baselines (default: min(2, CPU cores))
  --recommend-json <file>  take the baselines from a saved bench:recommend output instead
  -h, --help               this text`;

const { values: args } = parseArgs({
  options: {
    ...TRACE_OPTIONS,
    help: { type: "boolean", short: "h", default: false },
    "recommend-json": { type: "string" },
  },
});

const bound = (
  name: string,
  windowHours: number,
  rules: { memory: BoundSpec["memory"]; cpu: BoundSpec["cpu"] },
  describe: string,
): BoundSpec => ({ name, windowHours, ...rules, describe });

const peak = (factor = 1): BoundSpec["memory"] => ({
  kind: "day-peak",
  factor,
});
const dayCpu = (q: number): BoundSpec["cpu"] => ({ kind: "day-quantile", q });
const seriesPeak = (q: number): BoundSpec["memory"] => ({
  kind: "series-peak-quantile",
  q,
});
const seriesCpu = (q: number): BoundSpec["cpu"] => ({
  kind: "series-quantile",
  q,
});

/** The bounds scored; `ooms` is the OOM-day budget the best baseline leaves (1 - its oom_free_days). */
function boundSpecs(ooms: number): BoundSpec[] {
  const pct = `${(100 * ooms).toFixed(1)}%`;
  const q = Number((1 - ooms).toFixed(3));
  const sacrifice: BoundSpec["memory"] = {
    kind: "day-peak-sacrifice",
    fraction: ooms,
  };
  return [
    bound(
      "clairvoyant-day",
      24,
      { memory: peak(), cpu: dayCpu(0.99) },
      "knows the scored day: memory = its peak, CPU = its p99",
    ),
    bound(
      `clairvoyant-day-ooms-${pct}`,
      24,
      { memory: sacrifice, cpu: dayCpu(0.989) },
      `memory = the day's peak, but its p95 on the ${pct} of each series' days where the peak costs most; CPU = the day's p98.9`,
    ),
    bound(
      "clairvoyant-day-x1.1",
      24,
      { memory: peak(1.1), cpu: dayCpu(0.995) },
      "memory = 1.1 x the day's peak (a forecast 10 % high); CPU = the day's p99.5",
    ),
    bound(
      "clairvoyant-4h",
      4,
      { memory: peak(), cpu: dayCpu(0.99) },
      "six 4-hour UTC windows, each with that day's own window peak and CPU p99",
    ),
    bound(
      "clairvoyant-4h-x1.5",
      4,
      { memory: peak(1.5), cpu: dayCpu(0.995) },
      "as clairvoyant-4h with memory 1.5 x the window peak, CPU p99.5",
    ),
    bound(
      "clairvoyant-1h",
      1,
      { memory: peak(), cpu: dayCpu(0.99) },
      "24 one-hour windows, each with its own peak and CPU p99",
    ),
    bound(
      `hindsight-series-q${q}`,
      24,
      { memory: seriesPeak(q), cpu: seriesCpu(0.99) },
      `knows the series' whole future: one memory limit = the q${q} of its daily peaks, CPU = p99 of all its samples`,
    ),
    bound(
      "hindsight-series-max",
      24,
      { memory: seriesPeak(1), cpu: seriesCpu(0.995) },
      "one memory limit = the series' all-time peak, CPU = p99.5 of all its samples",
    ),
    bound(
      "hindsight-series-4h-q0.99",
      4,
      { memory: seriesPeak(0.99), cpu: seriesCpu(0.99) },
      "per 4-hour UTC window: memory = q0.99 of that window's daily peaks, CPU = p99 of its samples",
    ),
    bound(
      "hindsight-series-4h-max",
      4,
      { memory: seriesPeak(1), cpu: seriesCpu(0.995) },
      "per 4-hour UTC window: memory = that window's all-time peak, CPU = p99.5 of its samples",
    ),
  ];
}

async function baselineMetrics(
  series: TraceSeries[],
  workers: number,
): Promise<Record<string, PolicyMetrics | null>> {
  const file = args["recommend-json"];
  if (file !== undefined) {
    const text = await readFile(resolve(invocationDir, file), "utf8");
    const last = text.trim().split("\n").at(-1) ?? "";
    log(`baselines from ${file}`);
    return (JSON.parse(last) as BenchmarkJson).policies;
  }
  log(`scoring ${TARGET_BASELINES.join(", ")} for the targets`);
  const run = createBenchmarkRun(
    TARGET_BASELINES.map((name) => ({ name, recommender: null })),
  );
  const started = performance.now();
  await evaluateInWorkers(series, {
    workers,
    baselinesOnly: true,
    onResult: (i, evaluation) => {
      const s = series[i];
      if (s) foldSeriesEvaluation(run, { series: s, evaluation });
      if ((i + 1) % 20 === 0 || i + 1 === series.length)
        log(
          `baselines: ${i + 1}/${series.length} series (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
    },
  });
  return Object.fromEntries(
    TARGET_BASELINES.map((name) => [
      name,
      run.accumulators.get(name)?.summary().metrics ?? null,
    ]),
  );
}

function scoreBounds(series: TraceSeries[], specs: BoundSpec[]): BenchmarkRun {
  const run = createBenchmarkRun(
    specs.map((s) => ({ name: s.name, recommender: null })),
  );
  for (const [i, s] of series.entries()) {
    const evaluation = evaluateSeries(s, boundPolicies(s, specs));
    foldSeriesEvaluation(run, { series: s, evaluation });
    if ((i + 1) % 20 === 0 || i + 1 === series.length)
      log(`bounds: ${i + 1}/${series.length} series`);
  }
  return run;
}

function report(run: BenchmarkRun, specs: BoundSpec[], targets: Targets): void {
  const rows: PolicyRow[] = specs.map((s) => ({
    name: s.name,
    summary: run.accumulators.get(s.name)?.summary() ?? null,
    wallTimeS: 0,
  }));
  const bounds: Record<string, unknown> = {};
  const verdicts: string[] = [];
  for (const row of rows) {
    if (!row.summary) continue;
    const check = checkTargets(row.summary.metrics, targets);
    bounds[row.name] = {
      ...roundMetrics(row.summary.metrics),
      meets_memory: check.memory,
      meets_cpu: check.cpu,
    };
    const spec = specs.find((s) => s.name === row.name);
    verdicts.push(
      `${row.name.padEnd(28)} memory target ${check.memory ? "met    " : "NOT met"}  cpu target ${check.cpu ? "met    " : "NOT met"}  ${spec?.describe ?? ""}`,
    );
  }
  process.stdout.write(
    `${formatTable(rows)}\n\n${formatTargets(targets)}\n${verdicts.join("\n")}\n`,
  );
  process.stdout.write(
    `${JSON.stringify({ targets: roundTargets(targets), bounds, series: run.series })}\n`,
  );
}

const roundTargets = (t: Targets): Targets => ({
  minOomFreeDays: Number(t.minOomFreeDays.toFixed(4)),
  maxMemSlack: Number(t.maxMemSlack.toFixed(4)),
  maxCpuUnder: Number(t.maxCpuUnder.toFixed(4)),
  maxCpuSlack: Number(t.maxCpuSlack.toFixed(4)),
});

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const workers = positiveInteger("workers", args.workers);
  const { series } = await loadSeriesArgs({
    traces: args.traces,
    limit: args.limit,
  });
  const targets = targetsFrom(await baselineMetrics(series, workers));
  const specs = boundSpecs(1 - targets.minOomFreeDays);
  report(scoreBounds(series, specs), specs, targets);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:bounds failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
