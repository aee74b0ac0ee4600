// npm run bench:anomaly -- [--traces <dir>] [--seed <n>] [--series <n>]
// Injects seeded, labelled memory leaks and CPU spikes into real traces and reports precision, recall
// and detection delay per detector; the last stdout line is the JSON summary.
import { resolve } from "node:path";
import { parseArgs } from "node:util";

import type { DetectorScore } from "../src/anomaly/evaluate";
import { evaluateAnomalyDetectors } from "../src/anomaly/evaluate";
import { loadTraceFolder } from "../src/traces/node-loader";
import { defaultTracesDir } from "./script-io";

const HELP = `npm run bench:anomaly -- [options]

Injects seeded, labelled memory leaks and CPU spikes into real traces and reports precision, recall
and detection delay per detector (memory leak, CPU spike, OOM risk). Last stdout line: JSON.

Options:
  --traces <dir>   tidy trace folder (default: the first ../shared/traces beside the repository or a parent)
  --seed <n>       injection seed (default 20261127)
  --series <n>     series to inject into (default 60)
  -h, --help       this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: "boolean", short: "h", default: false },
    traces: { type: "string", default: defaultTracesDir() },
    seed: { type: "string", default: "20261127" },
    series: { type: "string", default: "60" },
  },
});
if (args.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

// npm runs workspace scripts in the workspace folder; resolve user paths where the command was typed.
const invocationDir = process.env.INIT_CWD ?? process.cwd();

const log = (m: string): void => {
  process.stderr.write(`${m}\n`);
};

const fmt = (v: number | null, digits = 3): string =>
  v === null ? "-" : v.toFixed(digits);
const hours = (s: number | null): string =>
  s === null ? "-" : `${(s / 3600).toFixed(2)} h`;

async function main(): Promise<void> {
  const seed = Number(args.seed);
  const maxSeries = Number(args.series);
  if (!Number.isInteger(seed) || !Number.isInteger(maxSeries) || maxSeries <= 0)
    throw new Error("--seed and --series must be integers (--series > 0)");
  const loaded = await loadTraceFolder(resolve(invocationDir, args.traces), {
    onProgress: log,
  });
  const started = performance.now();
  const report = evaluateAnomalyDetectors(loaded.series, {
    seed,
    maxSeries,
    onProgress: log,
  });
  log(
    `evaluated ${report.seriesUsed} series in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const rows: [string, DetectorScore, string][] = [
    ["memory_leak", report.leak, "delay after leak start"],
    ["cpu_spike", report.spike, "delay after spike start"],
    ["oom_risk", report.oomRisk, "lead time before crossing"],
  ];
  process.stdout.write(
    `detector     precision  recall  TP    FP    FN    median / p90 delay\n`,
  );
  for (const [name, s, what] of rows) {
    process.stdout.write(
      `${name.padEnd(12)} ${fmt(s.precision).padEnd(10)} ${fmt(s.recall).padEnd(7)} ${String(s.truePositives).padEnd(5)} ${String(s.falsePositives).padEnd(5)} ${String(s.falseNegatives).padEnd(5)} ${hours(s.medianDelayS)} / ${hours(s.p90DelayS)} (${what})\n`,
    );
  }
  const json = Object.fromEntries(
    rows.map(([name, s]) => [
      name,
      {
        precision: s.precision === null ? null : Number(s.precision.toFixed(4)),
        recall: s.recall === null ? null : Number(s.recall.toFixed(4)),
        median_delay_s:
          s.medianDelayS === null ? null : Math.round(s.medianDelayS),
        p90_delay_s: s.p90DelayS === null ? null : Math.round(s.p90DelayS),
        tp: s.truePositives,
        fp: s.falsePositives,
        fn: s.falseNegatives,
      },
    ]),
  );
  process.stdout.write(
    `${JSON.stringify({ ...json, series: report.seriesUsed, seed })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:anomaly failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
